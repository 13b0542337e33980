// Show the chosen selfie before uploading it.
(function () {
  "use strict";
  const input = document.querySelector('input[type="file"][name="photo"]');
  const preview = document.getElementById("photo-preview");
  if (!input || !preview) return;
  input.addEventListener("change", function () {
    const file = input.files && input.files[0];
    if (!file) { preview.hidden = true; return; }
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  });
})();
