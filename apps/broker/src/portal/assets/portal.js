// fedgate portal: the two things that need script, the account filter and the copy buttons.
// Everything else works without it. Served as a file: the pages allow no inline script.
'use strict';

function setUpFilter() {
  const box = document.getElementById('filter-box');
  const input = document.getElementById('filter');
  const empty = document.getElementById('filter-empty');
  const count = document.getElementById('filter-count');
  if (!box || !input) {
    return;
  }
  const accounts = Array.from(document.querySelectorAll('.account'));
  box.hidden = false;
  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const account of accounts) {
      const text = account.getAttribute('data-search') || '';
      const match = words.every((word) => text.includes(word));
      account.hidden = !match;
      if (match) {
        shown += 1;
      }
    }
    if (empty) {
      empty.hidden = shown > 0;
    }
    if (count) {
      count.textContent = words.length === 0 ? '' : `${shown} of ${accounts.length} accounts shown`;
    }
  };
  input.addEventListener('input', apply);
  apply();
}

function setUpCopyButtons() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const target = document.getElementById(button.getAttribute('data-copy') || '');
    if (!target || !navigator.clipboard) {
      continue;
    }
    button.hidden = false;
    const label = button.firstChild;
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(target.textContent || '').then(
        () => {
          label.textContent = 'Copied';
          setTimeout(() => {
            label.textContent = 'Copy';
          }, 2000);
        },
        () => {
          label.textContent = 'Copy failed: select the text';
        },
      );
    });
  }
}

document.addEventListener('DOMContentLoaded', () => {
  setUpFilter();
  setUpCopyButtons();
});
