"""Small built-in name and place lists for fake identities (English- and Spanish-speaking
patients). Common names only, so no row resembles a particular person; e-mail addresses use
the reserved example.org domain and telephone numbers the 555-01xx range reserved for fiction
(NANP)."""

import unicodedata

GIVEN_FEMALE_EN = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly",
    "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie",
    "Rebecca", "Laura", "Sharon", "Cynthia", "Kathleen",
)  # fmt: skip
GIVEN_MALE_EN = (
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
    "Paul", "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald",
    "Edward", "Jason", "Jeffrey", "Ryan",
)  # fmt: skip
FAMILY_EN = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
    "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Reed",
)  # fmt: skip
GIVEN_FEMALE_ES = (
    "María", "Carmen", "Ana", "Isabel", "Laura", "Lucía", "Marta", "Elena", "Sofía", "Paula",
    "Cristina", "Rosa", "Pilar", "Teresa", "Patricia", "Beatriz", "Raquel", "Silvia",
    "Verónica", "Adriana", "Gabriela", "Alejandra", "Mónica", "Daniela", "Valeria", "Julia",
    "Natalia", "Andrea", "Claudia", "Inés",
)  # fmt: skip
GIVEN_MALE_ES = (
    "José", "Juan", "Antonio", "Manuel", "Francisco", "Luis", "Javier", "Carlos", "Miguel",
    "Pedro", "Jesús", "Ángel", "Rafael", "Fernando", "Jorge", "Alberto", "Sergio", "Pablo",
    "Diego", "Alejandro", "Andrés", "Ricardo", "Eduardo", "Raúl", "Óscar", "Enrique",
    "Ramón", "Víctor", "Roberto", "Héctor",
)  # fmt: skip
FAMILY_ES = (
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
    "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
    "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega", "Delgado",
    "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina", "Garrido",
    "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
)  # fmt: skip
STREETS = (
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
    "Sunset", "River", "Church", "Walnut", "Spring", "Willow", "Highland", "Jefferson",
    "Lincoln", "Franklin",
)  # fmt: skip
STREET_KINDS = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Blvd")
CITIES = (
    "Springfield", "Riverton", "Fairview", "Franklin", "Greenville", "Clinton", "Madison",
    "Georgetown", "Salem", "Arlington", "Ashland", "Milton", "Oakland", "Dover", "Hudson",
)  # fmt: skip
AREA_CODES = ("212", "303", "312", "404", "512", "602", "617", "702", "713", "801", "919")


def ascii_fold(name: str) -> str:
    """'Núñez' → 'nunez', for the local part of an e-mail address."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# Given-name tables by [language][sex]: sex 0 female, 1 male; other and unknown sexes draw
# from either list.
GIVEN: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (GIVEN_FEMALE_EN, GIVEN_MALE_EN),
    (GIVEN_FEMALE_ES, GIVEN_MALE_ES),
)
FAMILY: tuple[tuple[str, ...], ...] = (FAMILY_EN, FAMILY_ES)
