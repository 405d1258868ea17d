// A search field above a long list of checkboxes in the admin (core.widgets.
// SearchableCheckboxSelectMultiple): typing hides the entries that do not contain the text;
// ticked entries always stay visible. Without JavaScript the plain list remains.
(() => {
  const { Controller } = window.StimulusModule;

  class SearchableChoicesController extends Controller {
    static targets = ['query', 'status'];

    connect() {
      this.queryTarget.hidden = false;
    }

    filter() {
      const query = this.queryTarget.value.trim().toLocaleLowerCase('de');
      const options = this.element.querySelectorAll('input[type=checkbox]');
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
  }

  window.wagtail.app.register('searchable-choices', SearchableChoicesController);
})();
