import { z } from 'zod';

/**
 * An email address, checked exactly as `z.email()` checks it, against a RegExp of its own.
 *
 * Why not `z.email()`: the workflow bundle preloads zod once per worker
 * (workflows/shared-libraries.ts), and the SDK freezes preloaded modules, zod's shared format
 * patterns included. zod resets a pattern's `lastIndex` before each check, which throws on a
 * frozen RegExp and fails the workflow task. A pattern built here belongs to the module that
 * builds the schema (per workflow in a workflow, so never frozen). The same rule holds for any
 * other zod format backed by a shared pattern (uuid, iso.date, iso.duration, ...) in a schema
 * that workflows use.
 */
export const emailAddress = () => z.email({ pattern: new RegExp(z.regexes.email.source, z.regexes.email.flags) });
