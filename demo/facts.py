"""The fixed facts of the demo installation: places, enterprises, offers, people's names.

Built on what DOMAIN.md knows about Samordningsförbundet Östra Södertörn (formed
2010): three member municipalities, social enterprises growing from 3 with 3.8 MSEK
turnover in 2010 to 9 with 18.6 MSEK in 2014, more than 160 work-training places,
and the regional ESF project MIA 2017-2020. Names, addresses and numbers are
invented; e-mail addresses use the reserved `.example` domain.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

D = datetime.date

# (name, code, member of the association)
MUNICIPALITIES: list[tuple[str, str, bool]] = [
    ("Haninge", "0136", True),
    ("Tyresö", "0138", True),
    ("Nynäshamn", "0192", True),
    ("Stockholm", "0180", False),
]

# Localities per municipality: addresses, and the names of extra offers at --scale > 1.
LOCALITIES: dict[str, list[tuple[str, str]]] = {
    "0136": [
        ("Handen", "136 40"),
        ("Jordbro", "136 50"),
        ("Brandbergen", "136 61"),
        ("Vendelsö", "136 70"),
        ("Västerhaninge", "137 30"),
        ("Tungelsta", "137 56"),
        ("Dalarö", "137 70"),
    ],
    "0138": [
        ("Tyresö", "135 40"),
        ("Trollbäcken", "135 60"),
        ("Krusboda", "135 48"),
        ("Öringe", "135 52"),
    ],
    "0192": [
        ("Nynäshamn", "149 30"),
        ("Ösmo", "148 30"),
        ("Sorunda", "148 70"),
        ("Stora Vika", "148 95"),
    ],
    "0180": [("Farsta", "123 47"), ("Skarpnäck", "128 30"), ("Bagarmossen", "128 46")],
}

STREETS = [
    "Runstensvägen",
    "Häringevägen",
    "Rudsjöterrassen",
    "Dalarövägen",
    "Bollmoravägen",
    "Njupkärrsvägen",
    "Fatburen",
    "Centralgatan",
    "Skolvägen",
    "Storgatan",
    "Björkvägen",
    "Lindvägen",
    "Stationsvägen",
    "Tallvägen",
    "Ringvägen",
    "Hantverkarvägen",
]


@dataclass(frozen=True)
class OfferFact:
    title: str
    area: str
    # (date, capacity): the first entry is the offer's start; the last is today's capacity.
    capacity_history: list[tuple[datetime.date, int]]
    tasks: str
    supervisor: str
    min_extent: int = 25
    max_extent: int = 100
    price: Decimal = Decimal("150.00")
    paused: bool = False


@dataclass(frozen=True)
class EnterpriseFact:
    name: str
    # Nine digits; the tenth is the Luhn check digit. First digit gives the legal
    # form (7 ekonomisk förening, 8 ideell förening, 5 aktiebolag), digits 3-4 >= 20.
    org_prefix: str
    legal_form: str
    municipality: str
    areas: list[str]
    founded_year: int
    first_figures_year: int
    # Relative size and yearly growth, used to share out the association's totals.
    size: float
    growth: float
    street: str
    description: str
    contact_name: str
    slug: str
    agreements: list[tuple[str, str, datetime.date, datetime.date | None]]
    offers: list[OfferFact] = field(default_factory=list)


AF = "Arbetsförmedlingen"

ENTERPRISES: list[EnterpriseFact] = [
    EnterpriseFact(
        name="Kvarnbacken Transport & Flytt",
        org_prefix="769621458",
        legal_form="economic_association",
        municipality="0136",
        areas=["transport"],
        founded_year=2007,
        first_figures_year=2010,
        size=1.5,
        growth=0.05,
        street="Hantverkarvägen 14, 136 50 Jordbro",
        description=(
            "Flyttar, bärhjälp, budkörning och varuleveranser i Haninge och Tyresö. "
            "Medarbetarna äger föreningen tillsammans."
        ),
        contact_name="Johan Ekström",
        slug="kvarnbacken",
        agreements=[
            ("lou", AF, D(2011, 1, 1), D(2016, 12, 31)),
            ("lov", AF, D(2017, 1, 1), None),
        ],
        offers=[
            OfferFact(
                "Flytt och bärhjälp",
                "transport",
                [(D(2010, 3, 1), 4), (D(2013, 8, 19), 6), (D(2018, 2, 5), 9)],
                "Bära och packa vid flyttar, lasta och lossa, montera möbler.",
                "Peter Nyberg",
                min_extent=50,
            ),
            OfferFact(
                "Budbil och varuleveranser",
                "transport",
                [(D(2011, 4, 4), 3), (D(2015, 9, 7), 5), (D(2021, 3, 1), 7)],
                "Följa med som biträde på budbilen, plocka och leverera varor, lagerarbete.",
                "Anneli Sjöberg",
            ),
            OfferFact(
                "Fordonsvård och verkstad",
                "annat",
                [(D(2014, 1, 13), 4), (D(2019, 8, 12), 6)],
                "Tvätta och vårda fordon, byta däck, hålla ordning i verkstaden.",
                "Mikael Lund",
            ),
        ],
    ),
    EnterpriseFact(
        name="Tyresö Snickarverkstad",
        org_prefix="769624172",
        legal_form="economic_association",
        municipality="0138",
        areas=["snickeri"],
        founded_year=2008,
        first_figures_year=2010,
        size=1.2,
        growth=0.04,
        street="Bollmoravägen 52, 135 40 Tyresö",
        description=(
            "Möbler, inredning och reparationer på beställning; renoverar begagnade möbler "
            "för försäljning."
        ),
        contact_name="Johan Ekström",
        slug="tyresosnickarna",
        agreements=[
            ("lou", AF, D(2011, 1, 1), D(2016, 12, 31)),
            ("reserved", "Tyresö kommun", D(2018, 1, 1), D(2021, 12, 31)),
            ("iop", "Tyresö kommun", D(2022, 1, 1), None),
        ],
        offers=[
            OfferFact(
                "Snickeriverkstad, möbeltillverkning",
                "snickeri",
                [(D(2010, 2, 1), 5), (D(2014, 3, 3), 7), (D(2019, 1, 14), 10)],
                "Såga, slipa, limma och ytbehandla; tillverka enklare möbler efter ritning.",
                "Lars-Erik Wallin",
            ),
            OfferFact(
                "Renovering och småreparationer",
                "snickeri",
                [(D(2012, 5, 7), 3), (D(2016, 8, 22), 5), (D(2022, 2, 7), 7)],
                "Följa med ut på uppdrag: laga, måla och montera hos kunder.",
                "Fredrik Ahlgren",
                min_extent=50,
            ),
            OfferFact(
                "Lager och materialhantering",
                "annat",
                [(D(2014, 9, 1), 3), (D(2020, 2, 3), 4)],
                "Ta emot virke och material, inventera, hålla ordning på lagret.",
                "Fredrik Ahlgren",
            ),
        ],
    ),
    EnterpriseFact(
        name="Café Trädgårdsmästarn",
        org_prefix="802437615",
        legal_form="non_profit_association",
        municipality="0192",
        areas=["cafe", "tradgard"],
        founded_year=2009,
        first_figures_year=2010,
        size=1.0,
        growth=0.06,
        street="Storgatan 21, 149 30 Nynäshamn",
        description=(
            "Café och bageri i en gammal handelsträdgård; odlar grönsaker och "
            "sommarblommor som säljs i caféet."
        ),
        contact_name="Leila Haddad",
        slug="tradgardsmastarn",
        agreements=[
            ("lov", AF, D(2012, 6, 1), None),
            ("iop", "Nynäshamns kommun", D(2019, 1, 1), None),
        ],
        offers=[
            OfferFact(
                "Café, servering och kassa",
                "cafe",
                [(D(2010, 4, 12), 4), (D(2013, 4, 8), 6), (D(2017, 9, 4), 8)],
                "Servera, ta betalt, duka av, diska och hålla caféet rent.",
                "Eva Sandberg",
            ),
            OfferFact(
                "Café, bageri",
                "cafe",
                [(D(2011, 9, 5), 3), (D(2016, 1, 11), 5)],
                "Baka bröd och kakor, förbereda smörgåsar och sallader.",
                "Eva Sandberg",
                min_extent=50,
            ),
            OfferFact(
                "Handelsträdgård",
                "tradgard",
                [(D(2012, 3, 19), 4), (D(2015, 3, 16), 6), (D(2020, 3, 2), 10)],
                "Så, skola om och plantera, vattna och rensa i växthus och på friland.",
                "Tomas Hedlund",
            ),
        ],
    ),
    EnterpriseFact(
        name="Gröna Fingrar Södertörn",
        org_prefix="769625513",
        legal_form="economic_association",
        municipality="0136",
        areas=["tradgard"],
        founded_year=2010,
        first_figures_year=2011,
        size=1.3,
        growth=0.05,
        street="Dalarövägen 120, 136 70 Vendelsö",
        description="Skötsel av parker, bostadsgårdar och kyrkogårdar; odling i eget växthus.",
        contact_name="Kristina Forsberg",
        slug="gronafingrar",
        agreements=[
            ("reserved", "Haninge kommun", D(2013, 1, 1), D(2018, 12, 31)),
            ("lov", AF, D(2015, 1, 1), None),
        ],
        offers=[
            OfferFact(
                "Trädgårdsskötsel, parklag",
                "tradgard",
                [(D(2011, 4, 4), 6), (D(2014, 4, 7), 8), (D(2018, 4, 9), 12)],
                "Klippa gräs, kratta, rensa rabatter och beskära buskar i arbetslag.",
                "Kristina Forsberg",
            ),
            OfferFact(
                "Växthus och odling, förstärkt arbetsträning",
                "tradgard",
                [(D(2013, 2, 4), 4), (D(2019, 2, 4), 6)],
                "Lugnt arbete i växthus med nära handledning: så, plantera om, vattna.",
                "Sofia Engström",
                max_extent=75,
                price=Decimal("300.00"),
            ),
        ],
    ),
    EnterpriseFact(
        name="Smaka på Tyresö AB (svb)",
        org_prefix="559108734",
        legal_form="svb_company",
        municipality="0138",
        areas=["restaurang", "cafe"],
        founded_year=2011,
        first_figures_year=2011,
        size=1.4,
        growth=0.05,
        street="Njupkärrsvägen 9, 135 48 Tyresö",
        description="Lunchrestaurang med catering till föreningar och företag i Tyresö.",
        contact_name="Nikos Papadopoulos",
        slug="smakapatyreso",
        agreements=[("lou", AF, D(2012, 1, 1), D(2016, 12, 31)), ("lov", AF, D(2017, 1, 1), None)],
        offers=[
            OfferFact(
                "Restaurang, kök",
                "restaurang",
                [(D(2011, 8, 15), 4), (D(2014, 8, 18), 6), (D(2021, 8, 16), 8)],
                "Förbereda lunch, skära grönsaker, laga enklare rätter, följa hygienrutiner.",
                "Nikos Papadopoulos",
                min_extent=50,
            ),
            OfferFact(
                "Restaurang, servering och disk",
                "restaurang",
                [(D(2012, 8, 20), 4), (D(2017, 1, 9), 6)],
                "Duka, plocka av, sköta diskmaskinen och fylla på salladsbuffén.",
                "Maja Lindholm",
            ),
        ],
    ),
    EnterpriseFact(
        name="Returnus Second hand",
        org_prefix="802451873",
        legal_form="non_profit_association",
        municipality="0136",
        areas=["second-hand", "cafe", "transport"],
        founded_year=2011,
        first_figures_year=2012,
        size=1.1,
        growth=0.07,
        street="Runstensvägen 3, 136 40 Handen",
        description="Second hand-butik med café; hämtar skänkta möbler och kläder i hela kommunen.",
        contact_name="Birgitta Holm",
        slug="returnus",
        agreements=[("iop", "Haninge kommun", D(2014, 1, 1), None)],
        offers=[
            OfferFact(
                "Butik, sortering och prissättning",
                "second-hand",
                [(D(2012, 2, 6), 6), (D(2015, 2, 2), 8), (D(2020, 9, 7), 12)],
                "Sortera skänkta saker, prismärka, ställa i ordning i butiken, sköta kassan.",
                "Birgitta Holm",
            ),
            OfferFact(
                "Returnus café",
                "cafe",
                [(D(2013, 10, 7), 3), (D(2018, 10, 1), 5)],
                "Servera kaffe och enklare mat, diska, hålla rent.",
                "Amira Saleh",
            ),
            OfferFact(
                "Upphämtning och transport",
                "transport",
                [(D(2014, 5, 5), 3), (D(2017, 5, 8), 4)],
                "Hämta skänkta möbler hos givare, bära och lasta, köra till butiken.",
                "Stefan Olofsson",
                min_extent=50,
                paused=True,
            ),
        ],
    ),
    EnterpriseFact(
        name="Skärgårdsnickarna i Nynäshamn",
        org_prefix="769627341",
        legal_form="economic_association",
        municipality="0192",
        areas=["snickeri"],
        founded_year=2012,
        first_figures_year=2012,
        size=0.9,
        growth=0.04,
        street="Fatburen 8, 149 30 Nynäshamn",
        description="Renoverar träbåtar, bryggor och sommarhus i skärgården.",
        contact_name="Anders Vikström",
        slug="skargardsnickarna",
        agreements=[("lov", AF, D(2013, 3, 1), None)],
        offers=[
            OfferFact(
                "Båt- och husrenovering",
                "snickeri",
                [(D(2012, 4, 2), 4), (D(2016, 4, 4), 6), (D(2021, 4, 6), 7)],
                "Skrapa, slipa och måla båtar och hus, enklare snickeri.",
                "Anders Vikström",
                min_extent=50,
            ),
            OfferFact(
                "Verkstad, förstärkt arbetsträning",
                "snickeri",
                [(D(2014, 10, 6), 3), (D(2019, 10, 7), 4)],
                "Små serier i verkstaden med mycket stöd: slipa, olja, montera.",
                "Hanna Öberg",
                max_extent=75,
                price=Decimal("300.00"),
            ),
        ],
    ),
    EnterpriseFact(
        name="Handens Städ & Tvätt AB (svb)",
        org_prefix="559127406",
        legal_form="svb_company",
        municipality="0136",
        areas=["stad", "tvatteri", "kontor"],
        founded_year=2013,
        first_figures_year=2013,
        size=1.3,
        growth=0.06,
        street="Centralgatan 5, 136 40 Handen",
        description="Städning av kontor och trapphus, tvätteri för restauranger och föreningar.",
        contact_name="Zeynep Demir",
        slug="handensstad",
        agreements=[
            ("reserved", "Haninge kommun", D(2014, 1, 1), D(2019, 12, 31)),
            ("lov", AF, D(2016, 1, 1), None),
        ],
        offers=[
            OfferFact(
                "Städ, kontor och trapphus",
                "stad",
                [(D(2013, 3, 4), 6), (D(2016, 3, 7), 8), (D(2022, 8, 15), 12)],
                "Städa kontor och trapphus i lag, sköta maskiner och förbrukningsmaterial.",
                "Zeynep Demir",
            ),
            OfferFact(
                "Tvätteri",
                "tvatteri",
                [(D(2013, 9, 2), 4), (D(2018, 9, 3), 6)],
                "Sortera, tvätta, mangla och vika textilier; packa för leverans.",
                "Ulla Karlsson",
            ),
            OfferFact(
                "Reception och administration",
                "kontor",
                [(D(2014, 11, 3), 2), (D(2020, 1, 13), 3)],
                "Ta emot beställningar i telefon och e-post, enklare registrering.",
                "Zeynep Demir",
                max_extent=75,
            ),
        ],
    ),
    EnterpriseFact(
        name="Brygghusets Kök & Catering",
        org_prefix="769629058",
        legal_form="economic_association",
        municipality="0192",
        areas=["restaurang", "cafe"],
        founded_year=2014,
        first_figures_year=2014,
        size=1.2,
        growth=0.05,
        street="Stationsvägen 2, 149 30 Nynäshamn",
        description="Restaurang och catering i gamla brygghuset vid hamnen.",
        contact_name="Camilla Strand",
        slug="brygghuset",
        agreements=[("lov", AF, D(2015, 1, 1), None)],
        offers=[
            OfferFact(
                "Kök och catering",
                "restaurang",
                [(D(2014, 2, 3), 5), (D(2017, 2, 6), 7), (D(2023, 2, 6), 10)],
                "Förbereda catering, packa leveranser, diska, hålla köket rent.",
                "Camilla Strand",
            ),
            OfferFact(
                "Lunchservering",
                "restaurang",
                [(D(2014, 8, 11), 4), (D(2018, 8, 13), 6)],
                "Duka upp lunchbuffé, servera, plocka av och hålla matsalen i ordning.",
                "Jonas Berglund",
                paused=True,
            ),
        ],
    ),
]

# The association's totals (DOMAIN.md): 3 enterprises with 3.8 MSEK in 2010, 9 with
# 18.6 MSEK in 2014. The years between grow geometrically; later years a few per cent.
TURNOVER_2010 = 3_800_000
TURNOVER_2014 = 18_600_000
LATER_GROWTH = [0.07, 0.05, 0.06, 0.04, 0.05, 0.03, -0.04, 0.05, 0.06, 0.04, 0.03, 0.04, 0.03]

PHYSICAL_DEMANDS = {
    "transport": "Tunga lyft förekommer; mycket på fötterna. Körkort är en fördel men inget krav.",
    "snickeri": "Stående arbete, buller och damm; skyddsutrustning finns.",
    "tradgard": "Utomhusarbete i alla väder, böja och lyfta; lättare uppgifter finns.",
    "cafe": "Stående arbete, varmt och periodvis stressigt kring lunch.",
    "restaurang": "Stående arbete i varmt kök, tidspress vid lunch.",
    "second-hand": "Lyft av kartonger och möbler; det mesta kan göras sittande vid sortering.",
    "stad": "Rörligt arbete med maskiner, kemikalier enligt rutin.",
    "tvatteri": "Stående arbete, värme och fukt; upprepade rörelser.",
    "kontor": "Stillasittande vid dator och telefon.",
    "annat": "Varierande, går att anpassa.",
}

ADAPTATIONS_POSSIBLE = [
    "Kortare dagar i början, egen arbetsplats, fasta rutiner.",
    "Start på 25 % med gradvis ökning, möjlighet till pauser när det behövs.",
    "Skriftliga instruktioner och bildstöd, samma handledare varje dag.",
    "Lugn plats utan kundkontakt, hörselskydd, flexibel starttid.",
]

SUPPORT_NEEDS = [
    "Behöver tydlig struktur och förberedelse inför förändringar.",
    "Långvarig smärtproblematik; behöver kunna variera arbetsställning.",
    "Social oro; behöver en trygg kontaktperson och att börja i liten grupp.",
    "Har varit borta från arbetslivet länge; vill bygga upp uthållighet i lugn takt.",
    "Koncentrationssvårigheter; behöver korta instruktioner och återkoppling.",
    "Behöver stöd med svenska språket i arbetet.",
    "Utmattningssyndrom; behöver låg stressnivå och fasta tider.",
    "Behöver hjälp att hitta rutiner för sömn och resor till arbetsplatsen.",
]

WORKPLACE_ADAPTATIONS = [
    "Start kl. 9 i stället för 8.",
    "Pauser var 45:e minut.",
    "Arbetar inte ensam med kunder.",
    "Skriftligt veckoschema och checklista.",
    "Slipper tunga lyft.",
    "Samma handledare varje dag.",
    "Hörselskydd och plats i lugnare del av lokalen.",
    "Halva dagar första månaden.",
]

AGREEMENT_SUPPORT = [
    "Handledaren går igenom dagens uppgifter varje morgon; koordinatorn följer upp varannan vecka.",
    "Gradvis ökning av tiden efter överenskommelse; uppföljning varje månad.",
    "Stöd i att resa till arbetsplatsen de första veckorna; fasta pauser.",
    "Handledaren och koordinatorn stämmer av efter första veckan och sedan månadsvis.",
]

FOLLOW_UP_NOTES = [
    "Kommer i tid och har hittat sina rutiner. Vill prova fler arbetsuppgifter.",
    "Trött i slutet av veckan; vi behåller nuvarande omfattning en månad till.",
    "Har ökat från 50 till 75 % enligt plan. Trivs i arbetslaget.",
    "Frånvaro två veckor pga sjukdom, nu tillbaka. Ny plan för återstarten.",
    "Pratade om nästa steg: studier eller anställning med stöd. Kontakt med Arbetsförmedlingen.",
    "Fungerar bra. Handledaren ser att hen klarar mer självständiga uppgifter.",
    "Vill byta arbetsuppgifter; vi prövar kassan i stället för disken.",
    "Stämde av tider och resor. Inga ändringar.",
]

PROPOSAL_NOTES = [
    "Har erfarenhet från lager och vill gärna arbeta med händerna.",
    "Vill börja lugnt, gärna förmiddagar.",
    "Intresserad av att pröva kök, har gått restaurangprogrammet.",
    "",
    "",
]

DECLINE_NOTES = {
    "no_capacity": "Handledaren är föräldraledig i vår.",
    "tasks_unsuitable": "Uppgifterna kräver körkort.",
    "adaptations_impossible": "Vi kan inte erbjuda en lugn arbetsplats just nu.",
    "timing": "Vi har semesterstängt då; föreslå gärna start efter v. 33.",
    "other": "Vi har flyttat verksamheten och behöver några veckor att komma i ordning.",
}

# fmt: off
FEMALE_NAMES = [
    "Anna", "Maria", "Sara", "Emma", "Johanna", "Linnea", "Elin", "Karin", "Malin", "Sofia",
    "Helena", "Lena", "Camilla", "Jenny", "Ida", "Frida", "Therese", "Susanne", "Marie",
    "Åsa", "Ebba", "Agnes", "Hanna", "Amanda", "Fatima", "Amina", "Leila", "Nour", "Zainab",
    "Yasmin", "Hiba", "Aisha", "Dilan", "Zeynep", "Elif", "Marta", "Agnieszka", "Katarzyna",
    "Ana", "Jelena", "Mirela", "Sanna", "Tove", "Ingrid", "Birgitta", "Kerstin", "Ulla",
    "Eva", "Monica", "Pernilla", "Josefin", "Matilda", "Rebecka", "Alva", "Wilma", "Saga",
    "Ronja", "Meron", "Selam", "Hodan", "Sahra", "Ladan", "Mina", "Parisa", "Shirin",
]
MALE_NAMES = [
    "Johan", "Erik", "Lars", "Anders", "Per", "Mikael", "Karl", "Daniel", "Andreas", "Fredrik",
    "Magnus", "Jonas", "Mattias", "Niklas", "Stefan", "Tobias", "Marcus", "Oskar", "Viktor",
    "Emil", "Filip", "Lukas", "Hugo", "Elias", "Anton", "Ahmed", "Mohammed", "Ali", "Omar",
    "Hassan", "Yusuf", "Ibrahim", "Mustafa", "Samir", "Karim", "Abdi", "Said", "Mehmet",
    "Emre", "Baran", "Tomasz", "Piotr", "Marko", "Nikola", "Dragan", "Goran", "Kenneth",
    "Leif", "Roger", "Tommy", "Patrik", "Jimmy", "Robin", "Kevin", "Dennis", "Rasmus",
    "Sebastian", "Adam", "Noah", "Dawit", "Yonas", "Mahmoud", "Reza", "Arash", "Dariush",
]
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk",
    "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson",
    "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
    "Blomqvist", "Claesson", "Nordström", "Mohamed", "Ali", "Hassan", "Ahmed", "Hussein",
    "Abdullahi", "Yilmaz", "Kaya", "Demir", "Öztürk", "Nowak", "Kowalski", "Wiśniewska",
    "Jovanović", "Petrović", "Nikolić", "Hosseini", "Karimi", "Rahimi", "Tesfaye", "Haile",
    "Korhonen", "Virtanen", "Saleh", "Haddad", "Khalil", "Mansour", "Rodríguez", "Silva",
]
# fmt: on
