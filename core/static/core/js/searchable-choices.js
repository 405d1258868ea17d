// A search field above a long list of checkboxes in the admin (core.widgets.
// SearchableCheckboxSelectMultiple): typing hides the entries that do not contain the text;
// ticked entries always stay visible. Without JavaScript the plain list remains.
// With a chooser (for editors who may add entries), "… anlegen" opens Wagtail's chooser
// modal; what is created or chosen there is ticked in the list (added if it is new).
(() => {
  const { Controller } = window.StimulusModule;

  class SearchableChoicesController extends Controller {
    static targets = ['query', 'status', 'create', 'added'];

    static values = { name: String, list: String };

    connect() {
      this.queryTarget.hidden = false;
      if (this.hasCreateTarget && window.ModalWorkflow && window.ChooserModalOnloadHandlerFactory) {
        this.createTarget.hidden = false;
      }
    }

    get options() {
      return this.element.querySelectorAll('input[type=checkbox]');
    }

    filter() {
      const query = this.queryTarget.value.trim().toLocaleLowerCase('de');
      const options = this.options;
      let shown = 0;
      options.forEach((input) => {
        const item = input.closest('div, li') || input.parentElement;
        const text = item.textContent.toLocaleLowerCase('de');
        const visible = !query || input.checked || text.includes(query);
        item.hidden = !visible;
        if (visible) shown += 1;
      });
      this.statusTarget.textContent = query
        ? this.statusTarget.dataset.template
            .replace('%(shown)s', shown)
            .replace('%(total)s', options.length)
        : '';
    }

    openChooser(event) {
      const handlers = new window.ChooserModalOnloadHandlerFactory().getOnLoadHandlers();
      window.ModalWorkflow({
        url: event.currentTarget.dataset.chooserUrl,
        onload: handlers,
        responses: { chosen: (result) => this.choose(result) },
      });
    }

    // Ticks the entry the chooser returned ({id, title} or {id, string}); a new entry joins the list on top.
    choose(result) {
      const entries = Array.isArray(result) ? result : [result];
      // Snippet choosers name the entry "string", the other choosers "title".
      entries.forEach(({ id, title: chosenTitle, string }) => {
        const title = chosenTitle || string;
        let input = Array.from(this.options).find((option) => option.value === String(id));
        if (!input) input = this.addOption(String(id), title);
        input.checked = true;
        const item = input.closest('div, li') || input.parentElement;
        item.hidden = false;
        this.addedTarget.textContent = this.addedTarget.dataset.template.replace('%(name)s', title);
      });
    }

    addOption(id, title) {
      const list = document.getElementById(this.listValue);
      const item = document.createElement('div');
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.name = this.nameValue;
      input.value = id;
      input.id = `${this.listValue}_new_${id}`;
      label.htmlFor = input.id;
      label.append(input, ` ${title}`);
      item.append(label);
      list.prepend(item);
      return input;
    }
  }

  window.wagtail.app.register('searchable-choices', SearchableChoicesController);
})();
