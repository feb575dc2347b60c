"""Words the data generator builds a Swedish municipality's business register from."""

from __future__ import annotations

MUNICIPALITY = "Åbyvik"
EMAIL_DOMAIN = "abyvik.se"
AREA_CODE = "0152"

FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Sara", "Mohammed", "Elin", "Per", "Fatima", "Karl", "Ingrid", "Oskar",
    "Linnéa", "Ali", "Helena", "Björn", "Sofia", "Mats", "Emma", "Göran", "Karin", "Johan", "Eva", "Anders",
    "Kristina", "Mikael", "Lena", "Peter", "Ulla", "Thomas", "Birgitta", "Jan", "Cecilia", "Magnus", "Åsa",
    "Fredrik", "Malin", "Daniel", "Jenny", "Andreas", "Hanna", "Stefan", "Ida", "Jonas", "Camilla", "Marcus",
    "Louise", "Henrik", "Frida", "Niklas", "Amira", "Omar", "Leyla", "Hassan", "Zeynep", "Ahmed", "Nora",
    "Viktor", "Agnes", "Gustav", "Maja", "Axel", "Elsa", "Hugo", "Alice", "Ebba", "Wilhelm", "Klara", "Olle",
    "Tove", "Rasmus", "Matilda", "Pontus", "Josefin", "Sven", "Gunilla", "Rolf", "Margareta", "Kjell", "Siv",
]
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg", "Jakobsson",
    "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg",
    "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Ali", "Engström", "Mohamed", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk",
    "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström",
    "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist", "Claesson", "Nordström", "Åberg",
    "Öberg", "Mårtensson", "Hassan", "Haddad", "Yilmaz", "Öhman", "Dahl", "Hedlund", "Sundberg", "Ek", "Strand",
]

# Kommundelar and business areas, the first ones the largest.
DISTRICTS = [
    "Centrum", "Södra Porten", "Norra industriområdet", "Hamnen", "Lövsta", "Åby by", "Alfred Nobels allé",
    "Västra Kvarnbacken", "Stensund", "Östra Åby", "Mälarstranden", "Brobyholm", "Ekudden", "Lindö",
]
DISTRICT_WEIGHTS = [20, 10, 9, 8, 8, 7, 6, 6, 5, 5, 5, 4, 4, 3]

PLACE_PREFIXES = [
    "Åbyvik", "Lövsta", "Stensund", "Mälar", "Norr", "Söder", "Väster", "Öster", "Kvarn", "Hamn", "Ek", "Björk",
    "Lind", "Sjö", "Berg", "Dal", "Ås", "Holm", "Strand", "Skog", "Nobel", "Broby", "Åby", "Brunn",
]
PLACE_SUFFIXES = ["", "", "", "s", "dalens", "bergs", "viks", "sunds", "backens", "ängens", "hagens", "gårdens"]
INVENTED_NAMES = [
    "Nordtech", "Medivo", "Solkraft", "BioNova", "Ventiq", "Nexora", "Aurum", "Fjällgren", "Grönkraft", "Polaris",
    "Kvartz", "Linea", "Optima", "Vitalis", "Arcus", "Tellus", "Nobilis", "Hydra", "Silvana", "Vega", "Iris",
    "Nova", "Astra", "Terra", "Celsius", "Prisma", "Fenix", "Orion", "Saga", "Flux",
]
STREETS = [
    "Storgatan", "Hamngatan", "Industrivägen", "Kvarngatan", "Lövstavägen", "Nobelvägen", "Verkstadsgatan",
    "Drottninggatan", "Kungsgatan", "Järnvägsgatan", "Torggatan", "Skolgatan", "Kyrkogatan", "Smedjegatan",
    "Fabriksgatan", "Mejerivägen", "Sågverksvägen", "Strandvägen", "Ekuddsvägen", "Brobyvägen", "Åbyvägen",
    "Logistikvägen", "Porten", "Företagsvägen", "Energigatan", "Teknikringen",
]

# SNI 2007 codes (five digits) with a weight for how common they are in a municipality's register,
# and the words a company in that line of business tends to have in its name.
SNI_CODES: list[tuple[str, int]] = [
    ("01110", 30), ("01410", 15), ("01500", 20), ("01610", 8), ("02101", 10), ("02200", 8), ("03120", 2),
    ("08120", 2), ("10111", 2), ("10710", 5), ("10511", 2), ("11070", 1), ("16101", 3), ("16239", 4),
    ("18122", 3), ("22290", 3), ("25110", 3), ("25620", 8), ("28990", 2), ("31090", 2), ("33120", 4),
    ("35110", 4), ("35300", 1), ("38110", 2), ("37000", 1), ("41200", 40), ("42110", 4), ("43120", 15),
    ("43210", 20), ("43221", 15), ("43320", 12), ("43341", 12), ("43911", 5), ("45201", 15), ("45110", 5),
    ("46190", 10), ("46900", 10), ("47111", 3), ("47199", 6), ("47711", 8), ("47300", 2), ("47919", 15),
    ("49410", 20), ("49320", 8), ("52100", 4), ("55101", 4), ("55300", 2), ("56100", 20), ("56210", 4),
    ("58110", 2), ("59110", 3), ("62010", 18), ("62020", 18), ("63110", 3), ("64190", 1), ("66220", 3),
    ("68201", 15), ("68204", 10), ("68310", 4), ("68320", 6), ("69101", 4), ("69201", 15), ("70220", 35),
    ("71110", 5), ("71121", 10), ("72110", 2), ("73111", 6), ("74102", 6), ("75000", 2), ("77110", 2),
    ("78200", 3), ("81210", 12), ("81300", 6), ("82300", 3), ("85600", 4), ("85593", 5), ("86211", 3),
    ("86230", 4), ("86901", 4), ("88101", 3), ("90010", 12), ("93130", 4), ("93112", 2), ("96021", 15),
    ("96022", 10), ("96040", 4),
]

# Name words per SNI section letter (the register's names match the trade).
TRADE_WORDS: dict[str, list[str]] = {
    "A": ["Lantbruk", "Gård", "Skog", "Hästgård", "Jordbruk", "Skogsvård"],
    "B": ["Grus", "Sten & Grus", "Bergtäkt"],
    "C": ["Mekaniska", "Mekaniska Verkstad", "Plast & Form", "Trä & Emballage", "Snickerifabrik", "Metall",
          "Bageri", "Mejeri", "Tryckeri", "Svets & Smide", "Industri", "Möbel"],
    "D": ["Energi", "Solkraft", "Vindkraft", "Fjärrvärme"],
    "E": ["Återvinning", "Miljö", "Avfallsteknik"],
    "F": ["Bygg", "Bygg & Snickeri", "Elteknik", "El", "VVS", "Måleri", "Mark & Anläggning", "Tak", "Rör",
          "Byggservice", "Entreprenad"],
    "G": ["Handel", "Bil", "Bil & Däck", "Butik", "Järnhandel", "Trading", "Import", "Kläder", "Webbhandel"],
    "H": ["Åkeri", "Transport", "Logistik", "Taxi", "Frakt", "Budservice"],
    "I": ["Krog", "Café", "Restaurang", "Hotell", "Pizzeria", "Catering", "Camping", "Kök & Bar"],
    "J": ["Data", "IT", "Media", "Kommunikation", "Digital", "Systemutveckling", "Film"],
    "K": ["Finans", "Försäkringsmäkleri", "Kapital"],
    "L": ["Fastigheter", "Förvaltning", "Bostäder", "Lokaler"],
    "M": ["Konsult", "Redovisning", "Advokatbyrå", "Arkitekter", "Ingenjörsbyrå", "Reklambyrå", "Design",
          "Veterinär", "Management", "Revision"],
    "N": ["Städ", "Bemanning", "Fastighetsservice", "Trädgård", "Städservice", "Event", "Uthyrning"],
    "P": ["Utbildning", "Trafikskola", "Kompetens"],
    "Q": ["Vård", "Tandvård", "Hälsa", "Vårdcentral", "Omsorg", "Fysioterapi"],
    "R": ["Gym", "Kultur", "Musik", "Scen", "Sport"],
    "S": ["Frisör", "Hudvård", "Skönhet", "Massage", "Hårstudio"],
}

# (legal form, share in per mille, org number stem or None for a personnummer)
LEGAL_FORMS = [
    ("Aktiebolag", 640, "5"),
    ("Enskild näringsverksamhet", 250, None),
    ("Handelsbolag", 60, "9"),
    ("Kommanditbolag", 10, "9"),
    ("Ekonomisk förening", 25, "7"),
    ("Ideell förening", 10, "8"),
    ("Stiftelse", 5, "8"),
]
LEGAL_SUFFIX = {
    "Aktiebolag": "AB",
    "Handelsbolag": "HB",
    "Kommanditbolag": "KB",
    "Ekonomisk förening": "ek. för.",
}

# SCB size classes, skewed small as a municipality's register is, and employees for each.
SIZE_CLASS_WEIGHTS = [
    ("0", 520), ("1", 260), ("2", 90), ("3", 55), ("4", 40), ("5", 15), ("6", 9), ("7", 6), ("8", 3), ("9", 1),
    ("10", 1),
]
SIZE_CLASS_EMPLOYEES = {
    "0": (0, 0), "1": (1, 4), "2": (5, 9), "3": (10, 19), "4": (20, 49), "5": (50, 99), "6": (100, 199),
    "7": (200, 499), "8": (500, 999), "9": (1000, 1499), "10": (1500, 1999),
}

TAGS = [
    "Medtech", "Besöksnäring", "Nyetablerad", "Nyckelföretag", "Livsmedel", "Logistik", "Tillverkning",
    "Cleantech", "Kulturella och kreativa näringar", "Exportföretag", "Familjeföretag", "Ungt företagande",
]
TAG_WEIGHTS = [4, 8, 6, 3, 5, 6, 8, 3, 4, 4, 10, 3]

CONTACT_ROLES = [
    ("VD", 40), ("Ägare", 30), ("Ekonomichef", 8), ("HR-chef", 6), ("Inköpschef", 5), ("Platschef", 5),
    ("Marknadschef", 3), ("Verksamhetschef", 3),
]

INTERACTION_NOTES = [
    "Frågade om lediga lokaler i {district} och kontakt med bygglovshandläggare.",
    "Vill anställa två svetsare under våren; tipsade om Arbetsförmedlingens matchning.",
    "Diskuterade detaljplanen för utbyggnad av lagret. Återkommer efter mötet med planenheten.",
    "Ringde om upphandlingen av fastighetsskötsel; förklarade hur man lämnar anbud som underleverantör.",
    "Kort avstämning om sommarens säsongsanställningar och bostäder för personalen.",
    "Ny VD sedan årsskiftet. Presenterade företagslotsen och näringslivsrådet.",
    "Problem med infarten vid rusningstid; skickat vidare till trafikenheten.",
    "Intresserade av solceller på taket; hänvisade till energi- och klimatrådgivningen.",
    "Dukat bord med plan, bygglov och miljö inför etablering av ny produktionslinje.",
    "Frågor om serveringstillstånd och tidsplan inför säsongen.",
    "Etableringsmöte: söker 2 hektar mark nära E20 för lager och kontor.",
    "Lotsmöte om ändrad användning av lokalen; behöver bygglov för fasadskylt.",
    "Vill delta i frukostmötena; lagt till i nätverket.",
    "Samtal om kompetensförsörjning och samarbete med gymnasiets industriprogram.",
    "Rådgivning om finansiering via ALMI och regionens innovationscheckar.",
    "Klagomål på handläggningstiden för miljötillstånd; lovade att höra med förvaltningen.",
]
INTERACTION_ADDENDUM = "Kompletterat efter samtal med förvaltningen: besked väntas inom två veckor."

VISIT_PURPOSES = [
    "Lära känna företaget och höra hur kommunen kan underlätta.",
    "Uppföljning av förra årets besök och de frågor som togs upp då.",
    "Välkomstbesök efter etableringen i kommunen.",
    "Besök enligt besöksplanen, med fokus på kompetensförsörjning.",
    "Höra hur expansionsplanerna går och vad som behövs av kommunen.",
]
VISIT_SATISFIED = [
    "Snabb hantering av bygglovet förra året.",
    "Bra kontakt med företagslotsen.",
    "Nöjda med gatubelysningen och snöröjningen i området.",
    "Bra information före upphandlingen.",
    "Positiva till samarbetet med gymnasieskolan.",
    "",
]
VISIT_LESS_SATISFIED = [
    "Svårt att hitta svetsare och CNC-operatörer.",
    "Vill bygga ut lagret men detaljplanen är gammal.",
    "Trafiksituationen vid infarten på morgonen.",
    "Upphandlingarna är för stora för små lokala leverantörer.",
    "Långa handläggningstider för miljötillstånd.",
    "Brist på bostäder för nyanställda.",
    "",
]
FEEDBACK_WAYS = ["E-post till VD", "Telefon", "Vid nästa besök", "Brev", "Möte på kommunhuset"]
VISIT_SUMMARIES = [
    "Rundvandring i lokalerna och samtal med ledningen.",
    "Samtal med ägarna om planerna för de kommande åren.",
    "Visning av den nya produktionslinjen; diskussion om kompetensbehov.",
    "Kort besök; företaget bjöd på lunch och berättade om säsongen.",
]
VISIT_NOTES = [
    "Intressant besök. Följ upp frågan om infarten med trafikenheten.",
    "Företaget vill bli inbjudet till näringslivsrådet.",
    "Viktigt att vi återkopplar om detaljplanen före sommaren.",
]
CANCEL_REASONS = ["Företaget fick förhinder", "Sjukdom", "Krock med fullmäktige", "Flyttat till hösten"]

FOLLOW_UP_TEXTS = [
    "Återkoppla om detaljplanen för utbyggnaden.",
    "Kontakta planenheten om tidsplanen för bygglovet.",
    "Skicka information om kompetensmatchning och praktikplatser.",
    "Ta frågan om infarten till trafikenheten och återkoppla.",
    "Bjud in till nästa upphandlingsinformation.",
    "Ge besked om lediga lokaler i {district}.",
    "Undersök handläggningstiden för miljötillståndet.",
    "Förmedla kontakt med ALMI om finansiering.",
]
NOT_DONE_REASONS = ["Företaget har lagt ned planerna", "Inte kommunens ansvar; hänvisat vidare", "Fick inget svar"]

NETWORK_KINDS = [("natverk", 50), ("naringslivsrad", 10), ("branschrad", 25), ("frukostmote", 15)]
NETWORK_NAMES = {
    "natverk": [
        "Kvinnliga företagare", "Unga företagare", "Exportnätverket", "Nätverket för hållbar tillväxt",
        "Företagarnätverket", "Handlarnätverket", "Nätverk för nyetablerade", "Familjeföretagen",
    ],
    "naringslivsrad": ["Näringslivsrådet", "Företagsrådet", "Tillväxtrådet"],
    "branschrad": [
        "Branschrådet för besöksnäring", "Branschrådet för bygg", "Branschrådet för handel",
        "Branschrådet för tillverkning", "Branschrådet för logistik", "Branschrådet för livsmedel",
    ],
    "frukostmote": ["Frukostklubben", "Morgonkaffet", "Företagsfrukosten"],
}
NETWORK_DESCRIPTIONS = {
    "natverk": "Nätverk för företagare i kommunen. Träffas några gånger per termin.",
    "naringslivsrad": "Rådet där kommunledningen och företagen möts fyra gånger om året.",
    "branschrad": "Branschens företag och kommunen om gemensamma frågor.",
    "frukostmote": "Frukostmöten med näringslivet första fredagen i månaden, september–maj.",
}

EVENT_THEMES = [
    "Kompetensförsörjning", "Nya detaljplaner", "Upphandling för små företag", "Hållbar energi", "Rekrytering",
    "Digitalisering", "Besöksnäringens säsong", "Infrastruktur och E20", "Bostäder för nyanställda",
    "Finansiering och ALMI", "Trygghet i centrum", "Export", "Företagsklimatet", "Praktik och feriejobb",
]
EVENT_PLACES = [
    "Stadshuset, Stora salen", "Stadshuset, Rum 2", "Kulturhuset", "Hamnmagasinet", "Åbyviks Hotell",
    "Företagscentrum, Södra Porten", "Biblioteket, Hörsalen",
]
