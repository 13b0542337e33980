// Offer only the shapes and resolutions the chosen engine's model accepts (the server refuses
// the rest in words; this just keeps people from picking them).
(function () {
  "use strict";
  const data = document.getElementById("model-options");
  const form = document.getElementById("create-form");
  if (!data || !form) return;
  const options = JSON.parse(data.textContent);
  const engine = form.elements.engine;
  const model = form.elements.model;
  const ratio = form.elements.aspect_ratio;
  const size = form.elements.image_size;

  function limit(select, allowed) {
    if (!select || select.type === "hidden") return;
    for (const option of select.options) {
      const offered = option.value === "" || allowed.includes(option.value);
      option.disabled = !offered;
      option.hidden = !offered;
    }
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = "";
  }

  function update() {
    const models = options[engine.value] || {};
    if (model && model.type !== "hidden") {
      for (const option of model.options) {
        const offered = option.value === "" || option.value in models;
        option.disabled = !offered;
        option.hidden = !offered;
      }
      if (model.selectedOptions[0] && model.selectedOptions[0].disabled) model.value = "";
    }
    const chosen = models[(model && model.value) || ""] || models[""] || {};
    limit(ratio, chosen.aspect_ratios || []);
    limit(size, chosen.image_sizes || []);
  }

  for (const select of [engine, model]) {
    if (select) select.addEventListener("change", update);
  }
  update();
})();
