// The language picker submits itself when a language is chosen; its button stays for
// pages without JavaScript.

export function listen() {
  document.addEventListener("change", (event) => {
    const select = event.target.closest?.("select[data-submit-on-change]");
    if (select) select.form.requestSubmit();
  });
}
