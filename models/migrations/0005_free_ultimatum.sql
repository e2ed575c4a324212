DROP INDEX "queue_jobs_ready_idx";--> statement-breakpoint
ALTER TABLE "queue_jobs" ADD COLUMN "blocked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "queue_jobs_claimable_idx" ON "queue_jobs" USING btree ("run_at","seq") WHERE "queue_jobs"."locked_until" IS NULL AND NOT "queue_jobs"."blocked";