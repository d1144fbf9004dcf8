"""factory-boy factories. Faker fills names and e-mails only, never clinical values."""

from datetime import UTC, date, datetime

import factory
import faker

from spinereg.registry.accounts.models import Clinic, Membership, User
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature
from spinereg.registry.episodes.models import Episode
from spinereg.registry.patients.models import Patient, PatientIdentity

PASSWORD = "correct horse battery staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    code = factory.Sequence(lambda n: f"clinic{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Faker("email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    printed_name = factory.LazyAttribute(lambda u: f"{u.first_name} {u.last_name}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = "physician"


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    pseudonym = factory.Sequence(lambda n: f"PT{n:07d}")
    sex = "female"
    birth_year = 1975
    language = "en"
    enrolled_date = date(2025, 1, 10)
    identity = factory.RelatedFactory(
        "tests.factories.PatientIdentityFactory", factory_related_name="patient"
    )


_FAKE = faker.Faker()


class PatientIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientIdentity

    patient = factory.SubFactory(PatientFactory, identity=None)
    given_name = factory.Faker("first_name")
    # A realistic name made unique: tests that assert a patient's name is *absent* from a page
    # must not be fooled by a staff user called Richardson when the patient is Richards.
    family_name = factory.Sequence(lambda n: f"{_FAKE.last_name()}-Pt{n:05d}")
    birth_date = factory.LazyAttribute(lambda i: date(i.patient.birth_year, 6, 15))
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    email = factory.Faker("email")


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.LazyAttribute(lambda e: e.patient.clinic)
    kind = "bmac"
    condition = "discogenic"
    index_date = date(2025, 3, 1)
    status = "active"


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    """A clinic's consent document in force since 2020 (before every test's index dates)."""

    class Meta:
        model = ConsentDocument
        django_get_or_create = ("clinic", "version", "language")

    clinic = factory.SubFactory(ClinicFactory)
    version = "1.0"
    language = "en"
    title = "Consent to BMAC treatment of the spine (investigational)"
    body = "Test consent text: investigational, mixed evidence, risks and alternatives.\n"
    sha256 = factory.LazyAttribute(lambda d: ConsentDocument.hash_body(d.body))
    effective_date = date(2020, 1, 1)


class ConsentSignatureFactory(factory.django.DjangoModelFactory):
    """The patient's agreed signature of their clinic's current document, given before every
    test's index dates: what a BMAC episode with an index date requires."""

    class Meta:
        model = ConsentSignature

    patient = factory.SubFactory(PatientFactory)
    document = factory.SubFactory(
        ConsentDocumentFactory, clinic=factory.SelfAttribute("..patient.clinic")
    )
    typed_name = factory.LazyAttribute(lambda s: s.patient.identity.full_name)
    agreed = True
    signed_at = datetime(2024, 12, 1, 10, 0, tzinfo=UTC)
    document_sha256 = factory.LazyAttribute(lambda s: s.document.sha256)
