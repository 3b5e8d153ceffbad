// A small frontend and newsroom tool, written against the client that
// openapi-typescript and openapi-fetch generate from byline's spec. It must
// compile under `tsc --strict` with no casts and no non-null assertions,
// and it runs against a live server (scripts/clients):
//   BYLINE_URL=http://127.0.0.1:8080 CLIENT_ID=bl_… CLIENT_SECRET=… node dist/story.js
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Summary = components["schemas"]["ArticleSummary"];

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`set ${name}`);
  }
  return value;
}

const client = createClient<paths>({ baseUrl: env("BYLINE_URL") });

/** A story page: the story block, then the "Latest from" block under it. */
async function storyPage(slug: string): Promise<void> {
  const story = await client.GET("/v1/articles/{article}", {
    params: { path: { article: slug } },
  });
  if (story.error !== undefined) {
    throw new Error(`story: ${story.error.detail}`);
  }
  const page = story.data;
  const published: string | null = page.published_at;
  const section: string | null = page.section === null ? null : page.section.slug;
  const credit: string | null = page.credit;
  const image: string | null = page.featured_image === null ? null : page.featured_image.url;
  const previous: string | null = page.previous === null ? null : page.previous.slug;
  const next: string | null = page.next === null ? null : page.next.slug;
  const alsoRead: string[] = page.also_read.map((s: Summary) => s.headline);
  console.log(
    `${page.headline} | ${published} | ${page.reading_time_minutes} mins read | ${credit} | ${image}`,
  );
  console.log(`  also read: ${alsoRead.join("; ")} | previous ${previous} | next ${next}`);
  if (section !== null) {
    const block = await client.GET("/v1/sections/{section}/latest", {
      params: { path: { section }, query: { limit: 4, exclude: slug } },
    });
    if (block.error !== undefined) {
      throw new Error(`block: ${block.error.detail}`);
    }
    console.log(`  ${block.data.title}: ${block.data.data.length} stories`);
  }
}

/** Every public story, a page at a time, following `next_cursor`. */
async function everyStory(): Promise<number> {
  let cursor: string | null = null;
  let seen = 0;
  do {
    const query: { limit: number; cursor?: string } =
      cursor === null ? { limit: 3 } : { limit: 3, cursor };
    const page = await client.GET("/v1/articles", { params: { query } });
    if (page.error !== undefined) {
      throw new Error(`list: ${page.error.detail}`);
    }
    seen += page.data.data.length;
    cursor = page.data.next_cursor;
  } while (cursor !== null && seen < 1000);
  return seen;
}

/** A newsroom tool's session: a token, then create, patch and upsert. */
async function newsroom(): Promise<void> {
  const token = await client.POST("/v1/auth/token", {
    body: {
      grant_type: "client_credentials",
      client_id: env("CLIENT_ID"),
      client_secret: env("CLIENT_SECRET"),
    },
    bodySerializer: (body) => new URLSearchParams(Object.entries(body)).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (token.error !== undefined) {
    throw new Error(`token: ${token.error.detail}`);
  }
  const auth = { Authorization: `Bearer ${token.data.access_token}` };
  const stamp = Date.now();
  const created = await client.POST("/v1/articles", {
    body: { headline: `Client check ${stamp}`, body: "<p>Written by a generated client.</p>" },
    headers: auth,
  });
  if (created.error !== undefined) {
    throw new Error(`create: ${created.error.detail}`);
  }
  const etag = created.response.headers.get("ETag");
  if (etag === null) {
    throw new Error("create: no ETag");
  }
  const patched = await client.PATCH("/v1/articles/{article}", {
    params: { path: { article: created.data.slug }, header: { "If-Match": etag } },
    body: { standfirst: "Changed with If-Match." },
    headers: auth,
  });
  if (patched.error !== undefined) {
    throw new Error(`patch: ${patched.error.detail}`);
  }
  const upserted = await client.PUT("/v1/articles/external/{external_id}", {
    params: { path: { external_id: `client-check-${stamp}` } },
    body: { headline: `Wire copy ${stamp}`, body: "<p>From the wire.</p>", tags: ["Client check"] },
    headers: auth,
  });
  if (upserted.error !== undefined) {
    throw new Error(`upsert: ${upserted.error.detail}`);
  }
  console.log(
    `created ${created.data.slug} (v${created.data.version}), patched to v${patched.data.version}, ` +
      `upserted ${upserted.data.slug} (${upserted.data.status})`,
  );
}

await storyPage("mexico-offers-assange-political-asylum");
console.log(`listed ${await everyStory()} stories by cursor`);
await newsroom();
