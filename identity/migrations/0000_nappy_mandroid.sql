CREATE TABLE "identity_grants" (
	"hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"person_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "identity_issuer_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"private_jwk" jsonb NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	"publish_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "identity_letter_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dedup_key" text NOT NULL,
	"district" text NOT NULL,
	"mailing_block" text,
	"code_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "identity_login_states" (
	"state" text PRIMARY KEY NOT NULL,
	"nonce" text NOT NULL,
	"code_verifier" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identity_operator_sessions" (
	"hash" text PRIMARY KEY NOT NULL,
	"operator_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identity_operators" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identity_operators_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "identity_persons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dedup_key" text NOT NULL,
	"resident" boolean DEFAULT false NOT NULL,
	"district" text,
	"age_min" integer,
	"age_max" integer,
	"age_bracket_ends_at" timestamp with time zone,
	"methods" jsonb NOT NULL,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "identity_persons_dedup_key_unique" UNIQUE("dedup_key")
);
--> statement-breakpoint
CREATE TABLE "identity_status_entries" (
	"list_id" integer NOT NULL,
	"idx" integer NOT NULL,
	"person_id" uuid,
	"revoked" boolean DEFAULT false NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "identity_status_entries_list_id_idx_pk" PRIMARY KEY("list_id","idx")
);
--> statement-breakpoint
ALTER TABLE "identity_grants" ADD CONSTRAINT "identity_grants_person_id_identity_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."identity_persons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_operator_sessions" ADD CONSTRAINT "identity_operator_sessions_operator_id_identity_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."identity_operators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_status_entries" ADD CONSTRAINT "identity_status_entries_person_id_identity_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."identity_persons"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "identity_status_person_idx" ON "identity_status_entries" USING btree ("person_id");