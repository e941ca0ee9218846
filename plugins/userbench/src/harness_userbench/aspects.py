"""The five travel aspects: option attributes, preference rules, implicit-statement templates.

Every preference is a constraint on one option attribute (``Constraint``); an option is *correct*
when it satisfies every preference of its aspect, *best* when it is the cheapest correct option.
All wording here is ours (the released scenarios are LLM-written; we write templates instead).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ASPECTS = ["flight", "hotel", "apartment", "rental_car", "restaurant"]
PREFIX = {"flight": "F", "hotel": "H", "apartment": "A", "rental_car": "C", "restaurant": "R"}
ASPECT_OF_PREFIX = {v: k for k, v in PREFIX.items()}
ID_PATTERN = r"^[ACFHR]\d+$"

# words that name an aspect (rule-based user: search judging and question routing)
ASPECT_WORDS: dict[str, list[str]] = {
    "flight": ["flight", "fly", "flying", "airline", "plane", "airfare", "air ticket"],
    "hotel": ["hotel", "motel", "resort", "inn"],
    "apartment": ["apartment", "airbnb", "condo", "vacation rental", "flat", "rental home"],
    "rental_car": ["rental car", "car rental", "rent a car", "car", "vehicle", "suv", "minivan"],
    "restaurant": ["restaurant", "dinner", "lunch", "dining", "eat", "food", "cuisine", "meal out"],
}

# our own one-line descriptions of the option fields, shown with search results
OPTION_SCHEMAS: dict[str, str] = {
    "flight": "Flight options: id, airline, stops (number of layovers), departure_hour (0-23, "
    "local time), duration_hours, cost (USD, economy, whole trip), amenities (free "
    "on board), checked_bag_included (true/false).",
    "hotel": "Hotel options: id, name, room_type, rating (0-10), distance_km (to the city "
    "centre), amenities (free facilities), cost (USD, whole stay).",
    "apartment": "Apartment options: id, name, bedrooms, bathrooms, capacity (guests), rating "
    "(0-10), amenities (free facilities), cost (USD, whole stay).",
    "rental_car": "Rental car options: id, company, category, seats, transmission, "
    "insurance_included (true/false), features, cost (USD, whole rental).",
    "restaurant": "Restaurant options: id, name, cuisine, rating (0-10), tags, cost (USD per "
    "person, typical).",
}


@dataclass(frozen=True)
class Constraint:
    """attribute OP value. ops: eq, ne, le, ge, has (list contains), lacks (list lacks)."""

    attribute: str
    op: str
    value: Any

    def holds(self, attrs: dict[str, Any]) -> bool:
        if self.attribute not in attrs:
            return False
        x = attrs[self.attribute]
        if self.op == "eq":
            return bool(x == self.value)
        if self.op == "ne":
            return bool(x != self.value)
        if self.op == "le":
            return bool(x <= self.value)
        if self.op == "ge":
            return bool(x >= self.value)
        if self.op == "has":
            return self.value in x
        if self.op == "lacks":
            return self.value not in x
        raise ValueError(f"unknown constraint op {self.op!r}")

    def satisfy(self, attrs: dict[str, Any], rng: random.Random, domain: Domain) -> None:
        """Change ``attrs`` in place so the constraint holds."""
        self._move(attrs, rng, domain, want=True)

    def violate(self, attrs: dict[str, Any], rng: random.Random, domain: Domain) -> None:
        """Change ``attrs`` in place so the constraint fails."""
        self._move(attrs, rng, domain, want=False)

    def _move(self, attrs: dict[str, Any], rng: random.Random, domain: Domain, want: bool) -> None:
        a, v = self.attribute, self.value
        for _ in range(200):
            if self.holds(attrs) == want:
                return
            if self.op in ("has", "lacks"):
                items = [i for i in attrs[a] if i != v]
                if (self.op == "has") == want:
                    items.append(v)
                attrs[a] = sorted(items)
            else:
                attrs[a] = domain.sample(a, rng)
        raise RuntimeError(f"could not make {self} {'hold' if want else 'fail'}")

    def to_json(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "op": self.op, "value": self.value}


@dataclass
class Domain:
    """How to draw each attribute of an aspect's options."""

    samplers: dict[str, Callable[[random.Random], Any]]

    def sample(self, attribute: str, rng: random.Random) -> Any:
        return self.samplers[attribute](rng)

    def option(self, rng: random.Random) -> dict[str, Any]:
        return {a: f(rng) for a, f in self.samplers.items()}


def _subset(pool: list[str], lo: int, hi: int) -> Callable[[random.Random], list[str]]:
    return lambda r: sorted(r.sample(pool, r.randint(lo, hi)))


def _rint(lo: int, hi: int, step: int = 1) -> Callable[[random.Random], int]:
    return lambda r: r.randrange(lo, hi + 1, step)


def _rfloat(lo: float, hi: float) -> Callable[[random.Random], float]:
    return lambda r: round(r.uniform(lo, hi), 1)


FLIGHT_AMENITIES = ["wifi", "meal", "extra_legroom", "power_outlets", "entertainment"]
HOTEL_AMENITIES = [
    "pool",
    "gym",
    "free_breakfast",
    "parking",
    "spa",
    "pets_allowed",
    "airport_shuttle",
]
APT_AMENITIES = [
    "full_kitchen",
    "washer",
    "parking",
    "balcony",
    "pets_allowed",
    "workspace",
    "air_conditioning",
]
CAR_FEATURES = ["gps", "child_seat", "unlimited_mileage", "bluetooth", "roof_rack"]
REST_TAGS = [
    "vegetarian_options",
    "outdoor_seating",
    "kid_friendly",
    "quiet",
    "live_music",
    "gluten_free",
    "late_night",
]
AIRLINES = [
    "SkyWays",
    "Blue Heron Air",
    "Northwind",
    "Coastal Jet",
    "Aurora Airlines",
    "Pinnacle Air",
    "TransMeridian",
]
CAR_COMPANIES = [
    "RoadRunner Rentals",
    "Metro Car Hire",
    "Sunset Auto",
    "Compass Rent-a-Car",
    "Velocity Cars",
]
CUISINES = [
    "Italian",
    "Mexican",
    "Japanese",
    "Thai",
    "Indian",
    "French",
    "Barbecue",
    "Mediterranean",
    "Korean",
    "Vietnamese",
]
HOTEL_WORDS = [
    "Grand",
    "Harbor",
    "Maple",
    "Summit",
    "Lantern",
    "Riverside",
    "Orchid",
    "Atlas",
    "Cedar",
    "Beacon",
]
HOTEL_KINDS = ["Hotel", "Inn", "Suites", "Lodge", "Plaza"]
APT_WORDS = ["Sunny", "Loft", "Garden", "Corner", "Skyline", "Quiet", "Brick", "Willow"]
APT_KINDS = ["Flat", "Retreat", "Studio House", "Residence", "Hideaway"]
REST_WORDS = ["Golden", "Little", "Blue", "Olive", "Saffron", "Copper", "Twin", "Juniper"]
REST_KINDS = ["Table", "Kitchen", "Bistro", "House", "Garden", "Corner"]

DOMAINS: dict[str, Domain] = {
    "flight": Domain(
        {
            "airline": lambda r: r.choice(AIRLINES),
            "stops": lambda r: r.choice([0, 1, 1, 2]),
            "departure_hour": _rint(5, 23),
            "duration_hours": _rfloat(1.5, 11.0),
            "amenities": _subset(FLIGHT_AMENITIES, 0, 3),
            "checked_bag_included": lambda r: r.random() < 0.4,
            "cost": _rint(120, 900, 5),
        }
    ),
    "hotel": Domain(
        {
            "name": lambda r: f"{r.choice(HOTEL_WORDS)} {r.choice(HOTEL_KINDS)}",
            "room_type": lambda r: r.choice(
                ["standard queen", "double", "king suite", "family room"]
            ),
            "rating": _rfloat(5.0, 9.8),
            "distance_km": _rfloat(0.2, 12.0),
            "amenities": _subset(HOTEL_AMENITIES, 1, 4),
            "cost": _rint(300, 2400, 10),
        }
    ),
    "apartment": Domain(
        {
            "name": lambda r: f"{r.choice(APT_WORDS)} {r.choice(APT_KINDS)}",
            "bedrooms": _rint(1, 4),
            "bathrooms": _rint(1, 3),
            "capacity": _rint(2, 8),
            "rating": _rfloat(5.0, 9.8),
            "amenities": _subset(APT_AMENITIES, 1, 4),
            "cost": _rint(350, 2600, 10),
        }
    ),
    "rental_car": Domain(
        {
            "company": lambda r: r.choice(CAR_COMPANIES),
            "category": lambda r: r.choice(
                ["economy", "compact", "midsize", "SUV", "minivan", "electric"]
            ),
            "seats": lambda r: r.choice([4, 5, 5, 7, 8]),
            "transmission": lambda r: r.choice(["automatic", "automatic", "manual"]),
            "insurance_included": lambda r: r.random() < 0.4,
            "features": _subset(CAR_FEATURES, 0, 3),
            "cost": _rint(150, 1100, 5),
        }
    ),
    "restaurant": Domain(
        {
            "name": lambda r: f"{r.choice(REST_WORDS)} {r.choice(REST_KINDS)}",
            "cuisine": lambda r: r.choice(CUISINES),
            "rating": _rfloat(5.0, 9.8),
            "tags": _subset(REST_TAGS, 1, 3),
            "cost": _rint(12, 120),
        }
    ),
}


@dataclass
class PreferenceKind:
    """One kind of preference: its constraint (drawn from a seed), plain text and implicit hints."""

    aspect: str
    subcategory: str
    make: Callable[[random.Random], Constraint]
    text: str  # plain statement, {v} = the constraint's value
    implicit: list[str]  # indirect statements a user says instead, {v} = the value
    keywords: list[str] = field(default_factory=list)  # what a question about it mentions

    def draw(self, rng: random.Random) -> tuple[Constraint, str, str]:
        c = self.make(rng)
        shown = _show(c.value)
        return c, self.text.format(v=shown), rng.choice(self.implicit).format(v=shown)


def _show(v: Any) -> str:
    return str(v).replace("_", " ") if not isinstance(v, bool) else ("yes" if v else "no")


def _c(attribute: str, op: str, value: Any) -> Callable[[random.Random], Constraint]:
    return lambda r: Constraint(attribute, op, value)


def _cpick(attribute: str, op: str, values: list[Any]) -> Callable[[random.Random], Constraint]:
    return lambda r: Constraint(attribute, op, r.choice(values))


P = PreferenceKind
PREFERENCES: dict[str, list[PreferenceKind]] = {
    "flight": [
        P(
            "flight",
            "stops",
            _c("stops", "eq", 0),
            "Wants a nonstop flight.",
            [
                "Last time I had a connection I sprinted across two terminals and still missed it.",
                "Getting off one plane and onto another is what wears me out the most.",
                "I'd rather sit tight from takeoff to landing than wander around some hub airport.",
            ],
            ["stop", "layover", "nonstop", "direct", "connection", "transfer"],
        ),
        P(
            "flight",
            "departure_time",
            _cpick("departure_hour", "ge", [9, 10, 11]),
            "Wants a departure at or after {v}:00.",
            [
                "I am useless before my second coffee, so dawn at the airport is not my thing.",
                "Alarms that ring before sunrise ruin the first day of any trip for me.",
                "Mornings are slow in our house; nobody is ready to leave until mid-morning.",
            ],
            ["time", "depart", "morning", "early", "when", "schedule", "hour"],
        ),
        P(
            "flight",
            "wifi",
            _c("amenities", "has", "wifi"),
            "Wants free wifi on board.",
            [
                "I have to answer work emails during the flight, there's no way around it.",
                "Being offline for hours makes me anxious; my team may need me.",
                "I plan to stream a client call while we're in the air.",
            ],
            ["wifi", "internet", "online", "connect", "amenit"],
        ),
        P(
            "flight",
            "meal",
            _c("amenities", "has", "meal"),
            "Wants a free meal on board.",
            [
                "Airport food is overpriced and I always end up starving on the plane.",
                "I get hungry fast, and I hate paying extra for a sandwich at the gate.",
                "A hot meal somewhere over the clouds is half the fun of flying for me.",
            ],
            ["meal", "food", "eat", "snack", "amenit"],
        ),
        P(
            "flight",
            "baggage",
            _c("checked_bag_included", "eq", True),
            "Wants a checked bag included in the fare.",
            [
                "I never manage to pack light; my suitcase is always the big one.",
                "We're bringing gifts for the family; there is no way it all fits in a carry-on.",
                "Paying a surprise bag fee at the counter drives me up the wall.",
            ],
            ["bag", "luggage", "suitcase", "baggage", "carry"],
        ),
        P(
            "flight",
            "legroom",
            _c("amenities", "has", "extra_legroom"),
            "Wants extra legroom.",
            [
                "I'm quite tall, and my knees end up pressed against the seat in front.",
                "After long flights my back hurts unless I can stretch my legs.",
                "Cramped seats are the reason I dread flying.",
            ],
            ["legroom", "seat", "space", "comfort", "tall"],
        ),
        P(
            "flight",
            "airline",
            _cpick("airline", "ne", AIRLINES[:4]),
            "Does not want {v}.",
            [
                "The last time I flew {v} they lost my luggage and never apologised.",
                "A friend of mine had a miserable experience with {v}; I'd rather not risk it.",
                "I promised myself after my last trip that I'd give {v} a rest.",
            ],
            ["airline", "carrier", "company", "brand"],
        ),
    ],
    "hotel": [
        P(
            "hotel",
            "rating",
            _cpick("rating", "ge", [7.5, 8.0, 8.5]),
            "Wants a hotel rated at least {v}.",
            [
                "I read reviews obsessively; a place with mediocre scores makes me nervous.",
                "Our last hotel had stained sheets, so I want somewhere guests actually praise.",
                "I don't need luxury, but I need other travellers to have loved it.",
            ],
            ["rating", "review", "star", "quality", "score"],
        ),
        P(
            "hotel",
            "location",
            _cpick("distance_km", "le", [2.0, 3.0]),
            "Wants to stay within {v} km of the centre.",
            [
                "I want to walk out the door and be in the middle of things.",
                "Long taxi rides back at night are exactly what I'd like to avoid.",
                "Being stuck in some far-off neighbourhood would spoil the trip for me.",
            ],
            ["location", "central", "downtown", "distance", "close", "near", "where"],
        ),
        P(
            "hotel",
            "breakfast",
            _c("amenities", "has", "free_breakfast"),
            "Wants free breakfast.",
            [
                "I can't get going in the morning without eating something first.",
                "Hunting for a café every morning with sleepy kids is no fun.",
                "A morning buffet downstairs would make my days so much easier.",
            ],
            ["breakfast", "morning", "food", "meal", "amenit"],
        ),
        P(
            "hotel",
            "pool",
            _c("amenities", "has", "pool"),
            "Wants a pool.",
            [
                "My kids will ask to swim every single evening.",
                "Nothing relaxes me after a long day like a few laps.",
                "I've packed my swimsuit already, just saying.",
            ],
            ["pool", "swim", "amenit", "facilit"],
        ),
        P(
            "hotel",
            "parking",
            _c("amenities", "has", "parking"),
            "Wants free parking.",
            [
                "We'll have a car with us the whole time, and street parking stresses me out.",
                "I'm driving in, so I need somewhere to leave the car overnight.",
                "Last trip I paid more for parking than for dinner.",
            ],
            ["parking", "park", "car", "garage", "amenit"],
        ),
        P(
            "hotel",
            "gym",
            _c("amenities", "has", "gym"),
            "Wants a gym.",
            [
                "I don't skip my morning workout, even on holiday.",
                "I'm training for a half marathon, so I need to keep up my routine.",
                "A treadmill at hand keeps me sane when I travel.",
            ],
            ["gym", "fitness", "workout", "exercise", "amenit"],
        ),
        P(
            "hotel",
            "pets",
            _c("amenities", "has", "pets_allowed"),
            "Travels with a dog.",
            [
                "Biscuit, my terrier, comes everywhere with me.",
                "We couldn't find a sitter for the dog, so she's joining us.",
                "My dog would never forgive me if I left her behind.",
            ],
            ["pet", "dog", "cat", "animal"],
        ),
    ],
    "apartment": [
        P(
            "apartment",
            "bedrooms",
            _cpick("bedrooms", "ge", [2, 3]),
            "Wants at least {v} bedrooms.",
            [
                "My brother snores like a chainsaw, so sharing a room is out of the question.",
                "Everyone in our group values having their own door to close at night.",
                "The kids need their own room or nobody will get any sleep.",
            ],
            ["bedroom", "room", "sleep", "layout", "space"],
        ),
        P(
            "apartment",
            "capacity",
            _cpick("capacity", "ge", [4, 5, 6]),
            "Needs space for at least {v} guests.",
            [
                "It's a whole gang of us; my cousins are coming along too.",
                "Counting everyone, we fill a big table at dinner.",
                "We're a big group, so a tiny place just won't do.",
            ],
            ["guest", "people", "capacity", "size", "how many", "fit", "group"],
        ),
        P(
            "apartment",
            "kitchen",
            _c("amenities", "has", "full_kitchen"),
            "Wants a full kitchen.",
            [
                "I love cooking with local ingredients when I travel.",
                "Eating out every night adds up, so we'd like to make some meals ourselves.",
                "My daughter has food allergies, so I prefer to cook her meals.",
            ],
            ["kitchen", "cook", "meal", "amenit", "facilit"],
        ),
        P(
            "apartment",
            "washer",
            _c("amenities", "has", "washer"),
            "Wants a washer.",
            [
                "Packing for a week with kids means laundry halfway through.",
                "I only bring a few outfits and wash them as I go.",
                "Hiking gear gets muddy fast, so we'll need to clean it.",
            ],
            ["laundry", "washer", "washing", "clothes", "amenit"],
        ),
        P(
            "apartment",
            "workspace",
            _c("amenities", "has", "workspace"),
            "Wants a workspace.",
            [
                "I'll have to put in a few hours of work each morning.",
                "My boss only approved the trip if I stay reachable and productive.",
                "Typing on the couch all week would wreck my back.",
            ],
            ["work", "desk", "office", "laptop", "amenit"],
        ),
        P(
            "apartment",
            "rating",
            _cpick("rating", "ge", [7.5, 8.0, 8.5]),
            "Wants an apartment rated at least {v}.",
            [
                "Listings can look nothing like their photos, so I trust what past guests say.",
                "I got burned by a dingy rental once and won't repeat that.",
                "I want a place people keep coming back to.",
            ],
            ["rating", "review", "quality", "score", "star"],
        ),
        P(
            "apartment",
            "bathrooms",
            _cpick("bathrooms", "ge", [2]),
            "Wants at least {v} bathrooms.",
            [
                "Mornings with one bathroom and five people are a nightmare.",
                "Queuing for the shower is how family holidays turn into arguments.",
                "Everyone gets ready at the same time in our family.",
            ],
            ["bathroom", "shower", "toilet", "bath"],
        ),
    ],
    "rental_car": [
        P(
            "rental_car",
            "seats",
            _cpick("seats", "ge", [5, 7]),
            "Needs at least {v} seats.",
            [
                "We'll be driving everyone around, grandparents included.",
                "Squeezing three adults in the back for hours is not happening.",
                "There are quite a few of us to fit in one vehicle.",
            ],
            ["seat", "passenger", "size", "fit", "people", "space"],
        ),
        P(
            "rental_car",
            "transmission",
            _c("transmission", "eq", "automatic"),
            "Wants an automatic.",
            [
                "I never learned to drive stick, to be honest.",
                "Stop-and-go city traffic with a clutch is my idea of torture.",
                "My left foot prefers to rest while I drive.",
            ],
            ["transmission", "automatic", "manual", "stick", "gear", "drive"],
        ),
        P(
            "rental_car",
            "insurance",
            _c("insurance_included", "eq", True),
            "Wants insurance included.",
            [
                "I'm a nervous driver in unfamiliar cities and hate worrying about scratches.",
                "A friend got a huge bill for a tiny dent on a rental once.",
                "Peace of mind on the road matters more to me than saving a little.",
            ],
            ["insurance", "coverage", "protect", "damage", "accident"],
        ),
        P(
            "rental_car",
            "category",
            _cpick("category", "ne", ["economy", "compact"]),
            "Does not want a {v} car.",
            [
                "We tried a {v} car last year and our bags barely fit.",
                "I felt every bump on the highway in the {v} car I rented before.",
                "A {v} car would feel a little cramped for what we have planned.",
            ],
            ["type", "category", "kind of car", "size", "model", "class"],
        ),
        P(
            "rental_car",
            "gps",
            _c("features", "has", "gps"),
            "Wants built-in GPS.",
            [
                "My phone battery dies fast, and I get lost easily in new places.",
                "Roaming data abroad costs a fortune, so I can't rely on my phone maps.",
                "I'm hopeless with directions without a screen telling me where to turn.",
            ],
            ["gps", "navigation", "map", "direction", "feature"],
        ),
        P(
            "rental_car",
            "child_seat",
            _c("features", "has", "child_seat"),
            "Needs a child seat.",
            [
                "Our youngest is only three.",
                "The baby comes with us everywhere, so safety comes first.",
                "Carrying our own booster through the airport is a hassle I'd skip.",
            ],
            ["child", "kid", "baby", "seat", "toddler", "feature"],
        ),
    ],
    "restaurant": [
        P(
            "restaurant",
            "cuisine_like",
            _cpick("cuisine", "eq", CUISINES[:6]),
            "Wants {v} food.",
            [
                "I've been dreaming about a proper {v} dinner for weeks.",
                "Back home, {v} food is what we treat ourselves to on special nights.",
                "Nothing beats {v} flavours after a long day of walking.",
            ],
            ["cuisine", "food", "type of", "kind of", "eat", "taste", "dish"],
        ),
        P(
            "restaurant",
            "rating",
            _cpick("rating", "ge", [7.5, 8.0, 8.5]),
            "Wants a restaurant rated at least {v}.",
            [
                "Dinner out is the highlight of the trip for me, so it better be memorable.",
                "I always check what diners say; a place with lukewarm reviews isn't worth it.",
                "I'd rather eat somewhere locals rave about.",
            ],
            ["rating", "review", "quality", "score", "star"],
        ),
        P(
            "restaurant",
            "vegetarian",
            _c("tags", "has", "vegetarian_options"),
            "Needs vegetarian options.",
            [
                "My partner hasn't eaten meat in ten years.",
                "Half of our group doesn't eat meat.",
                "I've been trying to eat plant-based lately.",
            ],
            ["vegetarian", "vegan", "meat", "diet", "dietary"],
        ),
        P(
            "restaurant",
            "kids",
            _c("tags", "has", "kid_friendly"),
            "Wants kid-friendly.",
            [
                "Our toddler isn't exactly quiet at the table.",
                "The kids come along to dinner, and they get restless fast.",
                "We need somewhere that won't glare at us if the little one spills juice.",
            ],
            ["kid", "child", "family", "baby"],
        ),
        P(
            "restaurant",
            "quiet",
            _c("tags", "has", "quiet"),
            "Wants a quiet place.",
            [
                "It's our anniversary, so I want to actually hear each other talk.",
                "Loud music gives me a headache by the end of a meal.",
                "I'm hoping for a calm evening after busy days of sightseeing.",
            ],
            ["quiet", "noise", "atmosphere", "ambience", "loud", "vibe"],
        ),
        P(
            "restaurant",
            "outdoor",
            _c("tags", "has", "outdoor_seating"),
            "Wants outdoor seating.",
            [
                "Eating under the open sky is what holidays are about for me.",
                "I'd love to watch the street life while we eat.",
                "Stuffy dining rooms make me lose my appetite.",
            ],
            ["outdoor", "outside", "patio", "terrace", "seating"],
        ),
        P(
            "restaurant",
            "gluten",
            _c("tags", "has", "gluten_free"),
            "Needs gluten-free dishes.",
            [
                "Bread and pasta make me ill, sadly.",
                "My doctor told me to keep away from wheat.",
                "I always have to quiz the waiter about flour in everything.",
            ],
            ["gluten", "wheat", "allerg", "diet", "dietary"],
        ),
    ],
}

CITIES = [
    "Austin",
    "Denver",
    "Seattle",
    "Chicago",
    "Boston",
    "San Diego",
    "Nashville",
    "Portland",
    "Miami",
    "New Orleans",
    "Phoenix",
    "Atlanta",
    "Savannah",
    "Santa Fe",
]
ORIGINS = [
    "New York",
    "Los Angeles",
    "Dallas",
    "Philadelphia",
    "Minneapolis",
    "Detroit",
    "Charlotte",
    "Salt Lake City",
]
OCCASIONS = [
    "a family trip",
    "a weekend getaway",
    "a work trip",
    "a reunion with friends",
    "a short holiday",
    "an anniversary trip",
    "a trip for a friend's wedding",
]
NEEDS = {
    "flight": "a flight from {origin}",
    "hotel": "a hotel",
    "apartment": "an apartment",
    "rental_car": "a rental car",
    "restaurant": "a restaurant for one dinner",
}
