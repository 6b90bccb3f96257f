/**
 * `/api/notes`: a small resource whose writes go to the writer pool and reads to the reader pool.
 *
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { Queryable } from '../db.js';
import { HttpError } from '../errors.js';

/** A note as returned by the API. */
export interface Note {
  /** Id, a decimal string (a PostgreSQL bigint). */
  id: string;
  /** Title, 1 to 200 characters. */
  title: string;
  /** Body, up to 10,000 characters. */
  body: string;
  /** Creation time, ISO 8601. */
  createdAt: string;
}

/** What the notes routes need. */
export interface NotesDeps {
  /** Pool for INSERTs. */
  writer: pg.Pool;
  /** Where SELECTs go (the replica with its fallback to the writer, or the writer). */
  reader: Queryable;
  /** Key that signs list cursors. */
  signingKey: string;
}

interface NoteRow {
  id: string;
  title: string;
  body: string;
  created_at: Date;
}

const COLUMNS = 'id::text AS id, title, body, created_at';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

function toNote(row: NoteRow): Note {
  return { id: row.id, title: row.title, body: row.body, createdAt: row.created_at.toISOString() };
}

const noteSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

/**
 * Registers `POST /api/notes`, `GET /api/notes` and `GET /api/notes/:id`.
 *
 * @param app - Fastify instance
 * @param deps - pools and signing key
 */
export function registerNotesRoutes(app: FastifyInstance, deps: NotesDeps): void {
  app.post<{ Body: { title: string; body?: string } }>(
    '/api/notes',
    {
      schema: {
        body: {
          type: 'object',
          required: ['title'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
            body: { type: 'string', maxLength: 10000 },
          },
        },
        response: { 201: noteSchema },
      },
    },
    async (request, reply) => {
      const { rows } = await deps.writer.query<NoteRow>(
        `INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING ${COLUMNS}`,
        [request.body.title, request.body.body ?? ''],
      );
      const note = toNote(rows[0] as NoteRow);
      return reply.code(201).header('location', `/api/notes/${note.id}`).send(note);
    },
  );

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    '/api/notes',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
            cursor: { type: 'string', maxLength: 64 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: noteSchema }, nextCursor: { type: ['string', 'null'] } },
          },
        },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit);
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new HttpError(400, `querystring/limit must be between 1 and ${MAX_LIMIT}`);
      }
      let after: string | null = null;
      if (request.query.cursor !== undefined) {
        after = decodeCursor(request.query.cursor, deps.signingKey) ?? null;
        if (after === null) throw new HttpError(400, 'querystring/cursor is invalid');
      }
      // One extra row tells whether another page exists without a COUNT.
      const { rows } = await deps.reader.query<NoteRow>(
        `SELECT ${COLUMNS} FROM notes WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
        [after, limit + 1],
      );
      const page = rows.slice(0, limit).map(toNote);
      const last = page.at(-1);
      return {
        items: page,
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id, deps.signingKey) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/notes/:id',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } },
        },
        response: { 200: noteSchema },
      },
    },
    async (request) => {
      const { rows } = await deps.reader.query<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE id = $1`, [
        request.params.id,
      ]);
      const row = rows[0];
      if (row === undefined) throw new HttpError(404, `note ${request.params.id} not found`);
      return toNote(row);
    },
  );
}
