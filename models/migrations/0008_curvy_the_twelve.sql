ALTER TABLE "known_instances" ADD COLUMN "delivery_state" text DEFAULT 'available' NOT NULL;--> statement-breakpoint
ALTER TABLE "known_instances" ADD COLUMN "unavailable_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "known_instances" ADD COLUMN "delivery_state_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "known_instances" ADD COLUMN "dropped_activities" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "known_instances_delivery_state_idx" ON "known_instances" USING btree ("delivery_state") WHERE "known_instances"."delivery_state" <> 'available';--> statement-breakpoint
ALTER TABLE "known_instances" ADD CONSTRAINT "known_instances_delivery_state_check" CHECK ("known_instances"."delivery_state" IN ('available', 'unavailable', 'probing'));