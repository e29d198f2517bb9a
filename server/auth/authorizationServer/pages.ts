/** The few HTML pages the embedded authorization servers show (sign-in, errors): small, escaped, no scripts. */
import type { Response } from 'express';

export const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:48px 16px;color:#1f2328}' +
  'main{max-width:420px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:28px}' +
  'h1{font-size:1.25rem;margin:0 0 12px}p,li{line-height:1.45}code{background:#f0f1f3;padding:1px 4px;border-radius:3px}' +
  'button{font-size:1rem;padding:10px 16px;border-radius:6px;border:0;cursor:pointer;width:100%;margin-top:8px}' +
  '.primary{background:#1f6feb;color:#fff}.secondary{background:#e6e8eb;color:#1f2328}.note{font-size:.85rem;color:#57606a}';

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function sendPage(res: Response, status: number, html: string): void {
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.type('html').send(html);
}

export const failedPage = (title: string, text: string) =>
  page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
