/**
 * The console's only script, served from our origin so the CSP can admit it with `script-src
 * 'self'` on the pages that show a secret, and nowhere else. Without it the secret is still a
 * readonly field to select; the button starts hidden and the script shows it.
 */

export const COPY_SCRIPT_PATH = '/assets/copy.js';

export const COPY_SCRIPT = `'use strict';
for (const button of document.querySelectorAll('button[data-copy]')) {
  const input = document.getElementById(button.dataset.copy);
  if (!input) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand('copy');
    }
    button.textContent = 'Copied';
  });
}
`;
