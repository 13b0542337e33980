// Show the chosen selfie (a picked file or a camera shot) before uploading it.
(function () {
  "use strict";
  const input = document.querySelector('input[type="file"][name="photo"]');
  const preview = document.getElementById("photo-preview");
  if (!input || !preview) return;
  let shown = null;
  input.addEventListener("change", function () {
    // Each pick makes a new object URL; let the old picture go.
    if (shown) URL.revokeObjectURL(shown);
    const file = input.files && input.files[0];
    shown = file ? URL.createObjectURL(file) : null;
    if (!shown) { preview.hidden = true; preview.removeAttribute("src"); return; }
    preview.src = shown;
    preview.hidden = false;
  });
})();
