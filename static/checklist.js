// A lesson's checklist saves each tick as it is made, so the form's "Save checklist"
// button is not needed. Without this script, that button saves the whole list.
(function () {
  "use strict";
  const form = document.getElementById("checklist");
  if (!form || form.tagName !== "FORM" || !window.fetch) {
    return;
  }
  const button = form.querySelector("button[type=submit]");
  const status = form.querySelector(".checklist-form__status");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let saving = Promise.resolve();

  function itemText(box) {
    const label = box.closest("label");
    return label ? label.textContent.trim() : "The item";
  }

  function save(box, ticked) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    body.append("item", box.value);
    if (ticked) {
      body.append("ticked", box.value);
    }
    return fetch(form.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        status.textContent = "“" + itemText(box) + "” " + (ticked ? "ticked" : "unticked") + " and saved.";
      })
      .catch(function () {
        if (box.checked === ticked) {
          box.checked = !ticked;
        }
        status.textContent = "That tick was not saved. Try again, or use Save checklist.";
        button.hidden = false;
      });
  }

  button.hidden = true;
  for (const box of form.elements) {
    if (box.type === "checkbox") {
      box.addEventListener("change", function () {
        const ticked = box.checked;
        // One request at a time, so quick ticks and unticks arrive in the order made.
        saving = saving.then(function () {
          return save(box, ticked);
        });
      });
    }
  }
})();
