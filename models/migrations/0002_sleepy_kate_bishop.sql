CREATE TABLE "actor_keys" (
	"actor" text NOT NULL,
	"algorithm" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "actor_keys_actor_algorithm_pk" PRIMARY KEY("actor","algorithm"),
	CONSTRAINT "actor_keys_algorithm_check" CHECK ("actor_keys"."algorithm" IN ('rsa', 'ed25519'))
);
--> statement-breakpoint
CREATE TABLE "domain_blocks" (
	"domain" text PRIMARY KEY NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "follows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"local_actor" text NOT NULL,
	"remote_actor_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"activity_iri" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"accepted_at" timestamp with time zone,
	CONSTRAINT "follows_pair_unique" UNIQUE("local_actor","remote_actor_id","direction"),
	CONSTRAINT "follows_direction_check" CHECK ("follows"."direction" IN ('inbound', 'outbound')),
	CONSTRAINT "follows_state_check" CHECK ("follows"."state" IN ('pending', 'accepted'))
);
--> statement-breakpoint
CREATE TABLE "known_instances" (
	"domain" text PRIMARY KEY NOT NULL,
	"software" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remote_actors" (
	"id" uuid PRIMARY KEY NOT NULL,
	"iri" text NOT NULL,
	"handle" text NOT NULL,
	"domain" text NOT NULL,
	"type" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"avatar_url" text,
	"url" text,
	"inbox" text NOT NULL,
	"shared_inbox" text,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "remote_actors_iri_unique" UNIQUE("iri")
);
--> statement-breakpoint
ALTER TABLE "follows" ADD CONSTRAINT "follows_remote_actor_id_remote_actors_id_fk" FOREIGN KEY ("remote_actor_id") REFERENCES "public"."remote_actors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "follows_activity_idx" ON "follows" USING btree ("activity_iri");--> statement-breakpoint
CREATE INDEX "follows_remote_idx" ON "follows" USING btree ("remote_actor_id");--> statement-breakpoint
CREATE INDEX "remote_actors_domain_idx" ON "remote_actors" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "remote_actors_handle_idx" ON "remote_actors" USING btree ("handle");