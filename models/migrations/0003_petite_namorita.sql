CREATE TABLE "kv_entries" (
	"key" text COLLATE "C" PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "queue_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "queue_jobs_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"message" jsonb NOT NULL,
	"ordering_key" text,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "kv_entries_expires_idx" ON "kv_entries" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "queue_jobs_ready_idx" ON "queue_jobs" USING btree ("run_at","seq") WHERE "queue_jobs"."locked_until" IS NULL;--> statement-breakpoint
CREATE INDEX "queue_jobs_leased_idx" ON "queue_jobs" USING btree ("locked_until") WHERE "queue_jobs"."locked_until" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "queue_jobs_ordering_idx" ON "queue_jobs" USING btree ("ordering_key","seq") WHERE "queue_jobs"."ordering_key" IS NOT NULL;