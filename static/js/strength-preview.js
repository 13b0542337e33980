// "More me ↔ More style": while the slider moves, ask the studio for a small preview of the
// style at that strength (POST /api/preview/), at most one request in flight and only after a
// short pause, and show it with its likeness words. On the create page it previews the photo
// being chosen in the style being picked; on an avatar's page, its own selfie in its style.
(function () {
  "use strict";
  const PAUSE_MS = 180;

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
    let again = false;
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

    function ask() {
      const body = new FormData();
      if (box.dataset.avatar) body.append("avatar", box.dataset.avatar);
      else if (photo()) body.append("photo", photo());
      else return;
      if (!style()) return;
      body.append("style", style());
      body.append("style_strength", slider.value);
      body.append("engine", engine());
      busy = true;
      again = false;
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
          return r.blob().then(function (blob) {
            if (shownUrl) URL.revokeObjectURL(shownUrl);
            shownUrl = URL.createObjectURL(blob);
            image.src = shownUrl;
            image.dataset.strength = slider.value;
            words.textContent = "Preview at " + slider.value + ": " + said;
            approximation.hidden = !approx;
            figure.hidden = false;
          });
        })
        .catch(function () { words.textContent = "No preview just now."; })
        .finally(function () {
          busy = false;
          if (again) ask();
        });
    }

    function soon() {
      if (value) value.textContent = slider.value;
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (busy) again = true;
        else ask();
      }, PAUSE_MS);
    }

    slider.addEventListener("input", soon);
    if (form && !box.dataset.avatar) {
      form.addEventListener("change", function (event) {
        if (event.target !== slider && figure && !figure.hidden) soon();
      });
    }
  });
})();
