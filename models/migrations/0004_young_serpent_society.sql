CREATE TABLE "badge_requests" (
	"state" text PRIMARY KEY NOT NULL,
	"nonce" text NOT NULL,
	"persona_id" uuid NOT NULL,
	"claims" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "badge_requests_nonce_unique" UNIQUE("nonce")
);
--> statement-breakpoint
CREATE TABLE "badges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"persona_id" uuid NOT NULL,
	"issuer" text NOT NULL,
	"issuer_name" text NOT NULL,
	"type" text NOT NULL,
	"disclosed" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"holder_key_thumbprint" text NOT NULL,
	"verified_on" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "used_credentials" (
	"credential_hash" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "badge_requests" ADD CONSTRAINT "badge_requests_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "badges" ADD CONSTRAINT "badges_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "badge_requests_expires_idx" ON "badge_requests" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "badges_persona_idx" ON "badges" USING btree ("persona_id","expires_at");