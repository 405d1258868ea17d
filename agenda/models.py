"""Events: web talks, lunch-time talks, workshops and congress side events.

Times are stored as aware datetimes and shown in Europe/Berlin (TIME_ZONE). Whether the
registration is open is computed at request time from the deadline, so it closes itself.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.blocks import RICH_TEXT_FEATURES
from core.models import IndexPage
from core.pages import SitePage
from core.visibility import public_links

from .blocks import QuestionsBlock, RecordingBlock


def now():
    """The current time; one place so tests and previews can reason about it."""
    return timezone.now()


# Listings show whether an event has a recording, so that stream field stays loaded.
LISTING_DEFER = ("description", "questions")


class EventFormat(models.TextChoices):
    WEB_TALK = "web-talk", _("Web-Talk")
    LUNCH_TALK = "mittagstisch", _("Digitaler Mittagstisch")
    WORKSHOP = "werkstatt", _("Werkstatt / Workshop")
    SIDE_EVENT = "begleitveranstaltung", _("Begleitveranstaltung auf einem Kongress")
    OTHER = "sonstige", _("Sonstige Veranstaltung")


class EventIndexPage(RoutablePageMixin, IndexPage):
    """Upcoming events (default), past events and the calendar feed."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["agenda.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("Veranstaltungsübersicht")
        verbose_name_plural = _("Veranstaltungsübersichten")

    def events(self):
        return (
            EventPage.objects.live()
            .public()
            .child_of(self)
            .defer_streamfields()
            .prefetch_related("themes")
        )

    def selected_format(self, request):
        value = request.GET.get("format", "")
        return value if value in EventFormat.values else ""

    def listing(self, request, past):
        current = now()
        events = self.events()
        selected = self.selected_format(request)
        if selected:
            events = events.filter(event_format=selected)
        if past:
            events = events.filter(end__lt=current).order_by("-start")
        else:
            events = events.filter(end__gte=current).order_by("start")
        return self.render(
            request,
            template="agenda/event_index_page.html",
            context_overrides={
                "events": list(events),
                "past": past,
                "formats": EventFormat.choices,
                "selected_format": selected,
                "now": current,
            },
        )

    @path("")
    def upcoming_route(self, request):
        return self.listing(request, past=False)

    @path("vergangene/")
    def past_route(self, request):
        return self.listing(request, past=True)

    def calendar_url(self):
        return reverse("agenda:calendar")

    def past_url(self):
        return self.url + self.reverse_subpage("past_route")


class EventSpeaker(Orderable):
    page = ParentalKey("agenda.EventPage", on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("Name"), max_length=120)
    function = models.CharField(_("Funktion"), max_length=200, blank=True)
    town = models.CharField(_("Ort / Organisation"), max_length=120, blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("function"), FieldPanel("town")])]

    class Meta(Orderable.Meta):
        verbose_name = _("Referent/in")
        verbose_name_plural = _("Referentinnen und Referenten")


class EventCase(Orderable):
    page = ParentalKey("agenda.EventPage", on_delete=models.CASCADE, related_name="event_cases")
    case = models.ForeignKey(
        "casestudies.CasePage",
        verbose_name=_("Praxisfall"),
        on_delete=models.CASCADE,
        related_name="event_links",
    )

    panels = [FieldPanel("case")]

    class Meta(Orderable.Meta):
        verbose_name = _("Praxisfall zur Veranstaltung")
        verbose_name_plural = _("Praxisfälle zur Veranstaltung")


class EventPage(SitePage):
    # Saving one starts a new content generation: core.memo keeps data derived from them.
    feeds_memos = True

    class Registration(models.TextChoices):
        OPEN = "offen", _("Anmeldung offen")
        CLOSED = "geschlossen", _("Anmeldeschluss vorbei")
        NOT_NEEDED = "ohne", _("Ohne Anmeldung")
        OVER = "vorbei", _("Veranstaltung vorbei")

    event_format = models.CharField(
        _("Format"), max_length=24, choices=EventFormat.choices, default=EventFormat.WEB_TALK
    )
    series = models.CharField(
        _("Reihe"), max_length=120, blank=True, help_text=_("Zum Beispiel „Kleinstadt Web-Talks“.")
    )
    subtitle = models.CharField(_("Untertitel"), max_length=255, blank=True)
    summary = models.TextField(
        _("Kurzfassung"),
        max_length=400,
        help_text=_("Ein bis zwei Sätze für Listen, Suche, Kalender und Benachrichtigungen."),
    )
    start = models.DateTimeField(_("Beginn"), help_text=_("Ortszeit Berlin."))
    end = models.DateTimeField(_("Ende"), help_text=_("Ortszeit Berlin."))
    online = models.BooleanField(_("Online"), default=True)
    venue = models.CharField(_("Veranstaltungsort"), max_length=200, blank=True)
    address = models.CharField(_("Adresse / Ort"), max_length=200, blank=True)
    description = RichTextField(_("Beschreibung"), features=RICH_TEXT_FEATURES, blank=True)
    questions = StreamField(QuestionsBlock(), verbose_name=_("Besprochene Fragen"), blank=True)

    registration_url = models.URLField(_("Anmeldelink"), blank=True)
    registration_deadline = models.DateTimeField(
        _("Anmeldeschluss"),
        null=True,
        blank=True,
        help_text=_("Danach schließt die Anmeldung von selbst. Ortszeit Berlin."),
    )
    free_of_charge = models.BooleanField(_("Kostenlos"), default=True)
    fee = models.CharField(_("Teilnahmebeitrag"), max_length=200, blank=True)

    organisers = ParentalManyToManyField(
        "casestudies.Organisation",
        verbose_name=_("Veranstalter"),
        related_name="events",
        blank=True,
    )
    contact = models.ForeignKey(
        "casestudies.Contact",
        verbose_name=_("Kontakt für organisatorische Fragen"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    themes = ParentalManyToManyField(
        "casestudies.Theme", verbose_name=_("Themen"), related_name="events", blank=True
    )

    recording = StreamField(
        RecordingBlock(),
        verbose_name=_("Aufzeichnung"),
        blank=True,
        help_text=_("Nach der Veranstaltung: das Video, geladen erst nach einem Klick."),
    )
    slides = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("Folien"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = SitePage.content_panels + [
        FieldRowPanel([FieldPanel("event_format"), FieldPanel("series")]),
        FieldPanel("subtitle"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("online"),
                FieldRowPanel([FieldPanel("venue"), FieldPanel("address")]),
            ],
            heading=_("Wann und wo"),
        ),
        FieldPanel("description"),
        FieldPanel("questions"),
        InlinePanel("speakers", label=_("Referent/in"), heading=_("Referentinnen und Referenten")),
    ]
    registration_panels = [
        FieldPanel("registration_url"),
        FieldPanel("registration_deadline"),
        FieldRowPanel([FieldPanel("free_of_charge"), FieldPanel("fee")]),
        FieldPanel("organisers"),
        FieldPanel("contact"),
    ]
    relation_panels = [
        FieldPanel("themes", widget=forms.CheckboxSelectMultiple),
        InlinePanel("event_cases", label=_("Praxisfall"), heading=_("Zugehörige Praxisfälle")),
    ]
    documentation_panels = [FieldPanel("recording"), FieldPanel("slides")]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Veranstaltung")),
            ObjectList(registration_panels, heading=_("Anmeldung und Veranstalter")),
            ObjectList(relation_panels, heading=_("Fälle und Themen")),
            ObjectList(documentation_panels, heading=_("Dokumentation")),
            ObjectList(SitePage.promote_panels, heading=_("Veröffentlichung")),
            ObjectList(Page.settings_panels, heading=_("Einstellungen")),
        ]
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("event_format"),
        index.FilterField("start"),
    ]

    parent_page_types = ["agenda.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("Veranstaltung")
        verbose_name_plural = _("Veranstaltungen")

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("Das Ende muss nach dem Beginn liegen.")
        if self.registration_deadline and self.start and self.registration_deadline > self.start:
            errors["registration_deadline"] = _(
                "Der Anmeldeschluss darf nicht nach dem Beginn liegen."
            )
        if not self.online and not (self.venue or self.address):
            errors["venue"] = _("Bitte einen Ort angeben oder „Online“ ankreuzen.")
        if errors:
            raise ValidationError(errors)

    # --- state, computed at request time ----------------------------------------------

    def is_past(self, at=None):
        return self.end < (at or now())

    def registration_state(self, at=None):
        at = at or now()
        if self.is_past(at):
            return self.Registration.OVER
        if not self.registration_url:
            return self.Registration.NOT_NEEDED
        deadline = self.registration_deadline or self.start
        if at > deadline:
            return self.Registration.CLOSED
        return self.Registration.OPEN

    @property
    def registration_open(self):
        return self.registration_state() == self.Registration.OPEN

    @property
    def is_over(self):
        return self.is_past()

    @property
    def local_start(self):
        return timezone.localtime(self.start)

    @property
    def local_end(self):
        return timezone.localtime(self.end)

    @property
    def same_day(self):
        return self.local_start.date() == self.local_end.date()

    @property
    def place(self):
        if self.online:
            return str(_("Online"))
        return ", ".join(part for part in (self.venue, self.address) if part)

    @cached_property
    def case_links(self):
        return public_links(self.event_cases.select_related("case").order_by("sort_order"))

    @property
    def has_recording(self):
        return bool(self.recording) or bool(self.slides_id)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["now"] = now()
        context["registration"] = self.registration_state(context["now"])
        context["index"] = self.parent_page(request)
        if self.contact_id is not None:
            # The contact with its organisation in one query (the fact box shows both).
            contacts = self._meta.get_field("contact").related_model.objects
            self.contact = contacts.select_related("organisation").get(pk=self.contact_id)
        return context

    def ics_url(self):
        return reverse("agenda:event_ics", args=[self.pk])


def upcoming_events(**filters):
    """Live upcoming events, soonest first (for the calendar feed and the alerts)."""
    return (
        EventPage.objects.live()
        .public()
        .filter(end__gte=now(), **filters)
        .defer(*LISTING_DEFER)
        .order_by("start")
    )
