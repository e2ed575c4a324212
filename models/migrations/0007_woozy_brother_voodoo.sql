ALTER TABLE "badges" ADD COLUMN "pending_code_hash" text;--> statement-breakpoint
ALTER TABLE "badges" ADD COLUMN "pending_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "badges" ADD CONSTRAINT "badges_pending_code_hash_unique" UNIQUE("pending_code_hash");