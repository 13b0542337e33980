// The avatar page's cut-out: the outline slider and the shadow switch redraw the three previews
// (on a chequerboard, dark and light) from one fetch of the cut-out, and point the download
// links at the same cut-out. Without this script the form's "Show it" button reloads the page.
(function () {
  "use strict";
  const panel = document.getElementById("cutout");
  if (!panel) return;
  const slider = document.getElementById("cutout-outline");
  const shadow = document.getElementById("cutout-shadow");
  const shown = document.getElementById("cutout-outline-value");
  const status = document.getElementById("cutout-status");
  const previews = panel.querySelectorAll(".cutout-preview");
  const png = document.getElementById("cutout-download-png");
  const webp = document.getElementById("cutout-download-webp");
  document.getElementById("cutout-update").hidden = true;
  let asked = 0;
  let objectUrl = null;

  function query() {
    return "?outline=" + slider.value + "&shadow=" + (shadow.checked ? "1" : "0");
  }

  function redraw() {
    const q = query();
    const mine = ++asked;  // only the last ask is shown: the slider may move on meanwhile
    previews.forEach(function (img) { img.classList.add("loading"); });
    status.textContent = "Cutting out…";
    fetch(panel.dataset.png + q, {
      credentials: "same-origin", headers: { Accept: "image/png,application/json" },
    })
      .then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.detail || "The cut-out couldn't be made. Please try again.");
          });
        }
        return r.blob();
      })
      .then(function (blob) {
        if (mine !== asked) return;
        if (objectUrl) URL.revokeObjectURL(objectUrl);
        objectUrl = URL.createObjectURL(blob);
        previews.forEach(function (img) {
          img.src = objectUrl;
          img.classList.remove("loading");
        });
        png.href = panel.dataset.png + q + "&download=1";
        webp.href = panel.dataset.webp + q + "&download=1";
        status.textContent = "";
      })
      .catch(function (err) {
        if (mine !== asked) return;
        previews.forEach(function (img) { img.classList.remove("loading"); });
        status.textContent = err.message;
      });
  }

  slider.addEventListener("input", function () { shown.textContent = slider.value; });
  slider.addEventListener("change", redraw);  // on release: one cut-out per position chosen
  shadow.addEventListener("change", redraw);
})();
