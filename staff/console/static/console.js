// The staff console works without this file; it only adds a copy button for a
// secret shown once.
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.copy");
  if (!b) return;
  const el = document.getElementById(b.dataset.copy);
  if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent).then(() => { b.textContent = "✓"; });
});
