"""Where the demo's customers live (currency, the carrier's hubs, postal codes) and what they are called."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Geo:
    currency: str
    rate: float  # local currency per USD, for order values
    gateway: str
    hubs: tuple[str, ...]
    cities: tuple[str, ...]
    postal: str  # pattern: 9 a digit, A a letter, anything else itself


GEO: dict[str, Geo] = {
    "US": Geo(
        "USD",
        1.0,
        "Los Angeles, CA (LAX)",
        ("Chicago, IL", "Dallas, TX", "Atlanta, GA", "Jersey City, NJ"),
        ("Austin, TX", "Portland, OR", "Denver, CO", "Columbus, OH", "Tampa, FL", "San Francisco, CA"),
        "99999",
    ),
    "GB": Geo(
        "GBP",
        0.8,
        "London Heathrow",
        ("Coventry hub", "Warrington hub"),
        ("Manchester", "Bristol", "Leeds", "Glasgow"),
        "A9 9AA",
    ),
    "DE": Geo(
        "EUR",
        0.92,
        "Frankfurt am Main",
        ("Leipzig Paketzentrum", "Hannover Paketzentrum"),
        ("Berlin", "Hamburg", "Köln", "München"),
        "99999",
    ),
    "FR": Geo(
        "EUR",
        0.92,
        "Paris Roissy CDG",
        ("Chilly-Mazarin plateforme", "Lyon Saint-Priest"),
        ("Lyon", "Nantes", "Toulouse", "Lille"),
        "99999",
    ),
    "CA": Geo(
        "CAD",
        1.36,
        "Vancouver, BC",
        ("Mississauga, ON", "Calgary, AB"),
        ("Toronto, ON", "Ottawa, ON", "Montréal, QC", "Edmonton, AB"),
        "A9A 9A9",
    ),
    "AU": Geo(
        "AUD",
        1.52,
        "Sydney Airport NSW",
        ("Melbourne Gateway VIC", "Brisbane Parcel Facility QLD"),
        ("Perth WA", "Adelaide SA", "Newcastle NSW", "Hobart TAS"),
        "9999",
    ),
    "BR": Geo(
        "BRL",
        5.0,
        "Curitiba, PR (international hub)",
        ("São Paulo, SP", "Cajamar, SP"),
        ("Rio de Janeiro, RJ", "Belo Horizonte, MG", "Porto Alegre, RS", "Recife, PE"),
        "99999-999",
    ),
    "NL": Geo(
        "EUR",
        0.92,
        "Amsterdam Schiphol",
        ("Nieuwegein sorteercentrum",),
        ("Utrecht", "Rotterdam", "Eindhoven"),
        "9999 AA",
    ),
}
COUNTRY_WEIGHTS = {"US": 40, "GB": 14, "DE": 10, "FR": 8, "CA": 10, "AU": 9, "BR": 5, "NL": 4}
# Where a parcel for one country can wrongly end up: the neighbouring country, a town there, its postal code.
NEIGHBOURS = {
    "US": ("CA", "Windsor, ON", "N9A 5K6"),
    "CA": ("US", "Buffalo, NY", "14201"),
    "GB": ("IE", "Dublin", "D02 X285"),
    "DE": ("AT", "Wien", "1010"),
    "FR": ("BE", "Bruxelles", "1000"),
    "AU": ("NZ", "Auckland", "1010"),
    "BR": ("PT", "Lisboa", "1100-148"),
    "NL": ("BE", "Bruxelles", "1000"),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "ana ben chloe daniel emma felix grace hugo isla jack kira liam maya noah olivia pablo quinn rosa sam "
    "tara uma victor wren yuki zoe lucas lea mateus sofia tom"
)
LAST_NAMES = _words(
    "smith garcia nguyen mueller martin brown silva taylor dubois wilson kowalski tanaka jones santos "
    "fischer moreau clarke lee costa schmidt"
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
