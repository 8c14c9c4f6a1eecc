import { z } from 'zod';

/**
 * A connector's optional `logo`, shown beside its name on the portal's
 * sign-in page: an https:// image URL. Only https, so the page never loads
 * a mixed-content image, and its origin is the only one the page's
 * Content-Security-Policy adds for images (docs/portal.md).
 */
export const connectorLogoSchema = z
  .string()
  .max(2048, 'is too long')
  .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:', {
    message: 'must be an https:// image URL',
  })
  .describe(
    "An `https://` image URL shown beside the name on the portal's sign-in page; the page's Content-Security-Policy then allows images from its origin.",
  );
