// "More me ↔ More style": while the slider moves, ask the studio for small previews of the
// style at that strength (POST /api/preview/): quick frames without the likeness while it is
// dragged (one request in flight at a time), then, once it rests for a moment, the frame with
// its likeness words. On the create page it previews the photo being chosen in the style being
// picked; on an avatar's page, its own selfie in its style.
(function () {
  "use strict";
  const REST_MS = 250;

  document.querySelectorAll("[data-strength-preview]").forEach(function (box) {
    const slider = box.querySelector('input[type="range"]');
    const value = box.querySelector("[data-strength-value]");
    const figure = box.querySelector("[data-preview-figure]");
    const image = box.querySelector("[data-preview-image]");
    const words = box.querySelector("[data-preview-words]");
    const approximation = box.querySelector("[data-preview-approximation]");
    const form = box.closest("form");
    const csrf = form && form.querySelector('input[name="csrfmiddlewaretoken"]');
    let timer = null;
    let busy = false;
    let waiting = null; // the request to make once the one in flight is back: "frame" or "rest"
    let shownUrl = "";
    if (!slider) return;

    function style() {
      if (box.dataset.style) return box.dataset.style;
      const picked = form && form.querySelector('input[name="style"]:checked');
      return picked ? picked.value : "";
    }

    function engine() {
      if (box.dataset.engine) return box.dataset.engine;
      const chosen = form && form.querySelector('[name="engine"]');
      return chosen ? chosen.value : "studio";
    }

    function photo() {
      const input = form && form.querySelector('input[type="file"][name="photo"]');
      return input && input.files && input.files[0];
    }

    function show(blob, strength, measured, said, approx) {
      if (shownUrl) URL.revokeObjectURL(shownUrl);
      shownUrl = URL.createObjectURL(blob);
      image.src = shownUrl;
      image.dataset.strength = strength;
      image.dataset.measured = measured ? "1" : "";
      words.textContent = measured ? "Preview at " + strength + ": " + said : "Preview at " + strength + "…";
      approximation.hidden = !approx;
      figure.hidden = false;
    }

    function ask(kind) {
      if (busy) {
        if (waiting !== "rest") waiting = kind;
        return;
      }
      const body = new FormData();
      if (box.dataset.avatar) body.append("avatar", box.dataset.avatar);
      else if (photo()) body.append("photo", photo());
      else return;
      if (!style()) return;
      const strength = slider.value;
      const measured = kind === "rest";
      body.append("style", style());
      body.append("style_strength", strength);
      body.append("engine", engine());
      body.append("likeness", measured ? "true" : "false");
      busy = true;
      fetch(box.dataset.url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      })
        .then(function (r) {
          if (!r.ok) {
            return r.json().catch(function () { return {}; }).then(function (problem) {
              words.textContent = problem.detail || "No preview just now.";
            });
          }
          const said = r.headers.get("X-Pixme-Likeness-Words") || "";
          const approx = r.headers.get("X-Pixme-Preview") === "studio-approximation";
          return r.blob().then(function (blob) { show(blob, strength, measured, said, approx); });
        })
        .catch(function () { words.textContent = "No preview just now."; })
        .finally(function () {
          busy = false;
          const next = waiting;
          waiting = null;
          if (next) ask(next);
        });
    }

    function moved() {
      if (value) value.textContent = slider.value;
      ask("frame");
      clearTimeout(timer);
      timer = setTimeout(function () { ask("rest"); }, REST_MS);
    }

    slider.addEventListener("input", moved);
    if (form && !box.dataset.avatar) {
      // A new photo or style while a preview shows: preview it again, measured.
      form.addEventListener("change", function (event) {
        if (event.target !== slider && !figure.hidden) ask("rest");
      });
    }
  });
})();
