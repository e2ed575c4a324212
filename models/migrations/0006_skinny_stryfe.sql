ALTER TABLE "badges" ADD COLUMN "status_uri" text;--> statement-breakpoint
ALTER TABLE "badges" ADD COLUMN "status_idx" integer;--> statement-breakpoint
CREATE INDEX "badges_status_idx" ON "badges" USING btree ("status_uri");