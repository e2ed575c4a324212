CREATE TABLE "post_announces" (
	"id" uuid PRIMARY KEY NOT NULL,
	"post_id" uuid NOT NULL,
	"actor_iri" text NOT NULL,
	"activity_iri" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "post_announces_post_actor_unique" UNIQUE("post_id","actor_iri")
);
--> statement-breakpoint
CREATE TABLE "post_likes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"post_id" uuid NOT NULL,
	"actor_iri" text NOT NULL,
	"activity_iri" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "post_likes_post_actor_unique" UNIQUE("post_id","actor_iri")
);
--> statement-breakpoint
CREATE TABLE "posts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"author_persona_id" uuid,
	"author_institution_id" uuid,
	"author_actor_iri" text,
	"iri" text,
	"url" text,
	"content" text NOT NULL,
	"source" text,
	"language" text,
	"visibility" text DEFAULT 'public' NOT NULL,
	"in_reply_to_id" uuid,
	"in_reply_to_iri" text,
	"published" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "posts_iri_unique" UNIQUE("iri"),
	CONSTRAINT "posts_one_author" CHECK (num_nonnulls("posts"."author_persona_id", "posts"."author_institution_id", "posts"."author_actor_iri") = 1),
	CONSTRAINT "posts_remote_has_iri" CHECK (("posts"."author_actor_iri" IS NULL) = ("posts"."iri" IS NULL)),
	CONSTRAINT "posts_visibility_check" CHECK ("posts"."visibility" IN ('public', 'followers'))
);
--> statement-breakpoint
ALTER TABLE "post_announces" ADD CONSTRAINT "post_announces_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "post_likes" ADD CONSTRAINT "post_likes_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_persona_id_personas_id_fk" FOREIGN KEY ("author_persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_institution_id_institutions_id_fk" FOREIGN KEY ("author_institution_id") REFERENCES "public"."institutions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_in_reply_to_id_posts_id_fk" FOREIGN KEY ("in_reply_to_id") REFERENCES "public"."posts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "post_announces_activity_unique" ON "post_announces" USING btree ("activity_iri");--> statement-breakpoint
CREATE UNIQUE INDEX "post_likes_activity_unique" ON "post_likes" USING btree ("activity_iri");--> statement-breakpoint
CREATE INDEX "posts_persona_published_idx" ON "posts" USING btree ("author_persona_id","published" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "posts_institution_published_idx" ON "posts" USING btree ("author_institution_id","published" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "posts_actor_published_idx" ON "posts" USING btree ("author_actor_iri","published" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "posts_published_idx" ON "posts" USING btree ("published" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "posts_in_reply_to_idx" ON "posts" USING btree ("in_reply_to_id");--> statement-breakpoint
CREATE INDEX "posts_in_reply_to_iri_idx" ON "posts" USING btree ("in_reply_to_iri");