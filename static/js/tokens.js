// Copy a secret shown only once (a new API token, a new webhook's secret) to the clipboard.
// The clipboard API needs a secure context (https or localhost); elsewhere the secret is
// selected instead, for Ctrl+C.
(function () {
  "use strict";
  function select(source) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(source) {
    const text = source.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () {
        select(source);
        return false;
      });
    }
    select(source);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (err) {
      copied = false;
    }
    return Promise.resolve(copied);
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!source) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      copy(source).then(function (copied) {
        button.textContent = copied ? "Copied" : "Copy";
        if (status) {
          status.textContent = copied ? "Copied to the clipboard." : "Selected: press Ctrl+C (⌘C) to copy.";
        }
      });
    });
  });

  // Bring the first secret into view: it is shown only on this page load.
  const first = document.querySelector("[data-copy]");
  if (first) {
    const card = first.closest("section, .note") || first;
    card.scrollIntoView({block: "nearest"});
  }
})();
