// Copy-to-clipboard for buttons with data-copy="<id of the element whose text to copy>". The pages work without it.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  } catch {
    button.textContent = "Select and copy by hand";
  }
});
for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;
