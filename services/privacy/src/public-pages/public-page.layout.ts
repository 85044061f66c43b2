/** Shared frame of the public privacy pages (opt-out, data-subject requests): no script, accessible. */
export type PageLanguage = 'en' | 'fr';

/** Every dynamic value goes through this before reaching HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const styles = `
body{font-family:system-ui,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1a1a1a;background:#fff;max-width:40rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.75rem}label{display:block;font-weight:600;margin-top:1.25rem}
input,select{font:inherit;display:block;width:100%;box-sizing:border-box;padding:.5rem;border:2px solid #4a4a4a;border-radius:4px;margin-top:.25rem;color:#1a1a1a;background:#fff}
button{font:inherit;margin-top:1.5rem;padding:.6rem 1.2rem;background:#0b4f8a;color:#fff;border:2px solid #0b4f8a;border-radius:4px;cursor:pointer}
a{color:#0b4f8a}
:focus-visible{outline:3px solid #b34700;outline-offset:2px}
.error{color:#a4000f;font-weight:600;margin:.25rem 0 0}
input[aria-invalid=true]{border-color:#a4000f}
.summary{border:3px solid #a4000f;padding:.5rem 1rem;margin:1rem 0}
nav{margin-bottom:1rem}
fieldset{border:0;padding:0;margin:1.25rem 0 0}legend{font-weight:600}
input[type=radio]{display:inline-block;width:auto;margin:.5rem .5rem 0 0}label.inline{display:inline;font-weight:400;margin:0}
textarea{font:inherit;display:block;width:100%;box-sizing:border-box;padding:.5rem;border:2px solid #4a4a4a;border-radius:4px;margin-top:.25rem}`;

/** `path` is the page's own address, for the link to the other language. */
export function publicPageLayout(path: string, language: PageLanguage, title: string, body: string): string {
  const other: PageLanguage = language === 'fr' ? 'en' : 'fr';
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${styles}</style>
</head>
<body>
<nav><a href="${path}?lang=${other}" lang="${other}">${other === 'fr' ? 'Français' : 'English'}</a></nav>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

export function field(name: string, label: string, input: string, error: string | undefined): string {
  return `<label for="${name}">${escapeHtml(label)}</label>
${input}
${error ? `<p class="error" id="${name}-error">${escapeHtml(error)}</p>` : ''}`;
}

export function inputAttributes(name: string, error: string | undefined): string {
  return `id="${name}" name="${name}"${error ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''}`;
}

export function errorSummary(heading: string, messages: string[]): string {
  if (messages.length === 0) return '';
  return `<div class="summary" role="alert"><h2>${escapeHtml(heading)}</h2><ul>${messages.map((message) => `<li>${escapeHtml(message)}</li>`).join('')}</ul></div>`;
}

