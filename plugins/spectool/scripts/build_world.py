"""Synthesize the offline world the SpecTool tools read (seeded, reproducible).

Every name, number and text here is invented by this script (city coordinates, time zones and
country capitals are public facts). Run through build_data.py, which writes data/world.json.
"""

from __future__ import annotations

import random
from typing import Any

ADJ = [
    "Silent",
    "Crimson",
    "Hollow",
    "Golden",
    "Broken",
    "Distant",
    "Electric",
    "Frozen",
    "Hidden",
    "Iron",
    "Last",
    "Midnight",
    "Northern",
    "Paper",
    "Quiet",
    "Restless",
    "Scarlet",
    "Shattered",
    "Velvet",
    "Wild",
    "Burning",
    "Glass",
    "Lunar",
    "Amber",
    "Savage",
    "Neon",
]
NOUN = [
    "Harbor",
    "Orchard",
    "Signal",
    "Empire",
    "Lantern",
    "Voyage",
    "Garden",
    "Frontier",
    "Mirror",
    "Station",
    "Tide",
    "Kingdom",
    "Compass",
    "Echo",
    "Meridian",
    "Canyon",
    "Citadel",
    "Horizon",
    "Archive",
    "Current",
    "Furnace",
    "Labyrinth",
    "Monsoon",
    "Pilgrim",
    "Reckoning",
]
FIRST = [
    "Amara",
    "Bruno",
    "Celine",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Keira",
    "Lucas",
    "Mei",
    "Nikolai",
    "Olivia",
    "Pavel",
    "Quinn",
    "Rosa",
    "Samir",
    "Tove",
    "Ulla",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
    "Anton",
    "Beatriz",
    "Cyrus",
    "Dalia",
]
LAST = [
    "Ashworth",
    "Baptiste",
    "Castellano",
    "Delacroix",
    "Eriksen",
    "Fontaine",
    "Galloway",
    "Haddad",
    "Ivanova",
    "Jaramillo",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrenko",
    "Quintero",
    "Rasmussen",
    "Sørensen",
    "Takahashi",
    "Underwood",
    "Valdivia",
    "Whitlock",
    "Yilmaz",
    "Zimmerman",
    "Abernathy",
    "Bellweather",
    "Corvino",
]
GENRES = {
    "28": "Action",
    "35": "Comedy",
    "18": "Drama",
    "27": "Horror",
    "878": "Science Fiction",
    "53": "Thriller",
    "16": "Animation",
    "99": "Documentary",
}
CITIES = [  # name, country, lat, lon, timezone, utc offset, iata, airport, elevation
    ("Lisbon", "Portugal", 38.72, -9.14, "Europe/Lisbon", 0, "LIS", "Humberto Delgado", 45),
    ("Madrid", "Spain", 40.42, -3.70, "Europe/Madrid", 1, "MAD", "Adolfo Suárez Barajas", 657),
    ("Paris", "France", 48.86, 2.35, "Europe/Paris", 1, "CDG", "Charles de Gaulle", 42),
    ("Berlin", "Germany", 52.52, 13.41, "Europe/Berlin", 1, "BER", "Berlin Brandenburg", 34),
    ("Rome", "Italy", 41.89, 12.51, "Europe/Rome", 1, "FCO", "Fiumicino", 21),
    ("Athens", "Greece", 37.98, 23.73, "Europe/Athens", 2, "ATH", "Eleftherios Venizelos", 70),
    ("Oslo", "Norway", 59.91, 10.75, "Europe/Oslo", 1, "OSL", "Gardermoen", 23),
    ("Cairo", "Egypt", 30.04, 31.24, "Africa/Cairo", 2, "CAI", "Cairo International", 23),
    ("Nairobi", "Kenya", -1.29, 36.82, "Africa/Nairobi", 3, "NBO", "Jomo Kenyatta", 1795),
    ("Tokyo", "Japan", 35.69, 139.69, "Asia/Tokyo", 9, "HND", "Haneda", 40),
    ("Seoul", "South Korea", 37.57, 126.98, "Asia/Seoul", 9, "ICN", "Incheon", 38),
    ("Mumbai", "India", 19.08, 72.88, "Asia/Kolkata", 5, "BOM", "Chhatrapati Shivaji", 14),
    ("Sydney", "Australia", -33.87, 151.21, "Australia/Sydney", 10, "SYD", "Kingsford Smith", 58),
    ("Toronto", "Canada", 43.65, -79.38, "America/Toronto", -5, "YYZ", "Pearson", 76),
    ("Denver", "United States", 39.74, -104.99, "America/Denver", -7, "DEN", "Denver Intl", 1609),
    ("Lima", "Peru", -12.05, -77.04, "America/Lima", -5, "LIM", "Jorge Chávez", 154),
]
COUNTRIES = [  # name, code, capital, currency, region
    ("Portugal", "PT", "Lisbon", "EUR", "Europe"),
    ("Spain", "ES", "Madrid", "EUR", "Europe"),
    ("France", "FR", "Paris", "EUR", "Europe"),
    ("Germany", "DE", "Berlin", "EUR", "Europe"),
    ("Italy", "IT", "Rome", "EUR", "Europe"),
    ("Greece", "GR", "Athens", "EUR", "Europe"),
    ("Norway", "NO", "Oslo", "NOK", "Europe"),
    ("Egypt", "EG", "Cairo", "EGP", "Africa"),
    ("Kenya", "KE", "Nairobi", "KES", "Africa"),
    ("Japan", "JP", "Tokyo", "JPY", "Asia"),
    ("South Korea", "KR", "Seoul", "KRW", "Asia"),
    ("India", "IN", "New Delhi", "INR", "Asia"),
    ("Australia", "AU", "Canberra", "AUD", "Oceania"),
    ("Canada", "CA", "Ottawa", "CAD", "Americas"),
    ("United States", "US", "Washington, D.C.", "USD", "Americas"),
    ("Peru", "PE", "Lima", "PEN", "Americas"),
    ("Switzerland", "CH", "Bern", "CHF", "Europe"),
    ("United Kingdom", "GB", "London", "GBP", "Europe"),
]
RATES = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "JPY": 151.4,
    "CHF": 0.9,
    "CAD": 1.36,
    "AUD": 1.52,
    "NOK": 10.7,
    "EGP": 47.3,
    "KES": 131.0,
    "KRW": 1345.0,
    "INR": 83.3,
    "PEN": 3.72,
}
SITES = [
    "SpaceNews",
    "NASASpaceflight",
    "Spaceflight Now",
    "European Spaceflight",
    "Teslarati",
    "Ars Technica",
]
PROVIDERS = ["SpaceX", "Rocket Lab", "Arianespace", "ULA", "ISRO", "Blue Origin", "JAXA"]
ROCKETS = {
    "SpaceX": "Falcon 9",
    "Rocket Lab": "Electron",
    "Arianespace": "Ariane 6",
    "ULA": "Vulcan Centaur",
    "ISRO": "PSLV",
    "Blue Origin": "New Glenn",
    "JAXA": "H3",
}
MISSIONS = [
    "Aurora",
    "Kestrel",
    "Polaris",
    "Tethys",
    "Halcyon",
    "Nimbus",
    "Solstice",
    "Vega",
    "Orison",
    "Cygnus Relay",
    "Borealis",
    "Perihelion",
    "Zephyr",
    "Lyra",
    "Calypso",
]
COMPANIES = [
    "Norrvik Dynamics",
    "Helio Materials Inc.",
    "Quantica Labs",
    "Bluefen Robotics",
    "Arclight Semiconductor",
    "Verdant Biotech",
    "Tessellate Systems",
    "Marrow Medical Devices",
]
TOPICS = [
    "battery electrode",
    "solar cell coating",
    "robotic gripper",
    "neural network accelerator",
    "wireless charging coil",
    "gene delivery vector",
    "lidar sensor",
    "water filtration membrane",
    "drone propeller",
    "catheter valve",
    "quantum error correction",
    "heat pump compressor",
    "haptic glove",
    "seed coating",
    "ultrasound probe",
    "flywheel storage",
    "ceramic armor",
    "biodegradable packaging",
    "microfluidic chip",
    "exoskeleton joint",
]
TEAMS = [
    "Riverside Rovers",
    "Ironbridge Athletic",
    "Kestrel Town",
    "Harrowgate United",
    "Millbrook Wanderers",
    "Port Ellis FC",
    "Greystone City",
    "Ashford Albion",
    "Northwold Rangers",
    "Saltmarsh Borough",
    "Fenwick Celtic",
    "Caldermoor County",
]
HASHTAGS = [
    "climbing",
    "sourdough",
    "marathon",
    "astrophotography",
    "vanlife",
    "chess",
    "gardening",
    "synthwave",
]
MUSIC_GENRES = ["indie pop", "jazz", "techno", "folk", "hip hop", "ambient"]
TAGS = [
    "lighthouse",
    "glacier",
    "street market",
    "desert",
    "waterfall",
    "city skyline",
    "forest trail",
    "harbor boats",
    "volcano",
    "rice terraces",
]
VIDEO_TOPICS = [
    "sourdough starter",
    "bike wheel truing",
    "linear algebra",
    "tile grouting",
    "knife sharpening",
    "drone landing",
    "houseplant propagation",
    "chess endgames",
    "watercolor skies",
    "guitar barre chords",
    "bread scoring",
    "kayak rolling",
]


def _unique_titles(rng: random.Random, n: int, pattern: str) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        t = pattern.format(a=rng.choice(ADJ), n=rng.choice(NOUN))
        if all(t.lower() not in o.lower() and o.lower() not in t.lower() for o in out):
            out.append(t)
    return out


def _names(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in out:
            out.append(name)
    return out


def _date(rng: random.Random, y0: int, y1: int) -> str:
    return f"{rng.randint(y0, y1)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def build_world(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    w: dict[str, Any] = {"genres": GENRES}
    # people and movies
    names = _names(rng, 70)
    w["people"] = [
        {
            "id": 10000 + 37 * i,
            "name": nm,
            "birthday": _date(rng, 1950, 1998),
            "place_of_birth": f"{rng.choice(CITIES)[0]}, {rng.choice(CITIES)[1]}",
            "known_for_department": "Directing" if i < 20 else "Acting",
        }
        for i, nm in enumerate(names)
    ]
    for p in w["people"]:
        city = rng.choice(CITIES)
        p["place_of_birth"] = f"{city[0]}, {city[1]}"
    directors, actors = w["people"][:20], w["people"][20:]
    movies = []
    for i, title in enumerate(_unique_titles(rng, 60, "The {a} {n}")):
        cast = rng.sample(actors, 4)
        movies.append(
            {
                "id": 500000 + 113 * i,
                "title": title,
                "release_date": _date(rng, 2015, 2023),
                "genre_ids": sorted(int(g) for g in rng.sample(sorted(GENRES), 2)),
                "vote_average": round(rng.uniform(4.5, 8.9), 1),
                "runtime": rng.randint(82, 171),
                "budget": rng.randint(2, 180) * 1_000_000,
                "revenue": rng.randint(1, 900) * 1_000_000,
                "popularity": round(rng.uniform(5, 300), 3),
                "original_language": "en",
                "overview": f"{title} follows {rng.choice(FIRST)}, who {rng.choice(['returns home', 'uncovers a secret', 'fights for survival', 'falls in love', 'chases a fortune'])} in a {rng.choice(['small coastal town', 'dying city', 'remote station', 'sprawling desert'])}.",  # noqa: E501
                "cast": [
                    {
                        "person_id": a["id"],
                        "character": f"{rng.choice(FIRST)} "
                        f"{rng.choice(['the Elder', 'Reyes', 'Hart', 'Voss', 'Kane', 'Mbeki'])}",
                        "order": k,
                    }
                    for k, a in enumerate(cast)
                ],
                "crew": [{"person_id": rng.choice(directors)["id"], "job": "Director"}],
            }
        )
    w["movies"] = movies
    # cities, countries, rates, stocks
    w["cities"] = [
        {
            "name": c[0],
            "country": c[1],
            "latitude": c[2],
            "longitude": c[3],
            "timezone": c[4],
            "utc_offset": c[5],
            "iata": c[6],
            "airport": c[7],
            "elevation": c[8],
        }
        for c in CITIES
    ]
    w["countries"] = [
        {
            "name": c[0],
            "code": c[1],
            "capital": c[2],
            "currency": c[3],
            "region": c[4],
            "population": rng.randint(3, 330) * 1_000_000 + rng.randint(0, 999_999),
            "area_km2": rng.randint(30_000, 9_900_000),
        }
        for c in COUNTRIES
    ]
    w["rates"] = RATES
    syms = ["NRVK", "HELM", "QNTC", "BLFN", "ARCS", "VRDT", "TSLT", "MRRW"]
    w["stocks"] = [
        {
            "symbol": s,
            "company": c,
            "price": round(rng.uniform(8, 640), 2),
            "change_percent": f"{rng.uniform(-6, 6):.2f}%",
            "volume": rng.randint(10_000, 9_000_000),
        }
        for s, c in zip(syms, COMPANIES, strict=True)
    ]
    # patents
    inventors = _names(rng, 30)
    patents = []
    for i, topic in enumerate(TOPICS * 3):
        year = 2018 + (i % 6)
        patents.append(
            {
                "patent_id": str(10_450_000 + 7919 * i),
                "title": f"{rng.choice(['Method', 'System', 'Apparatus', 'Device'])} for {rng.choice(['improved', 'adaptive', 'low-cost', 'modular', 'high-throughput'])} {topic} {['assembly', 'control', 'manufacturing'][i // 20]}",  # noqa: E501
                "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "assignee": COMPANIES[(i * 3) % len(COMPANIES)],
                "inventors": rng.sample(inventors, rng.randint(1, 3)),
                "cpc_section": rng.choice(list("ABCDEFGH")),
                "num_claims": rng.randint(5, 42),
                "abstract": f"Disclosed is a {topic} {['assembly', 'control', 'manufacturing'][i // 20]} approach that {rng.choice(['reduces energy use', 'improves yield', 'lowers cost', 'increases durability'])}.",  # noqa: E501
            }
        )
    w["patents"] = patents
    # spaceflight
    launches = []
    for i, mission in enumerate(MISSIONS):
        prov = PROVIDERS[i % len(PROVIDERS)]
        launches.append(
            {
                "launch_id": f"{rng.getrandbits(32):08x}-{i:04d}",
                "name": f"{ROCKETS[prov]} | {mission}",
                "provider": prov,
                "date": _date(rng, 2023, 2024) + "T" + f"{rng.randint(0, 23):02d}:00Z",
                "status": rng.choice(
                    ["Launch Successful", "Launch Successful", "Launch Failure", "Partial Failure"]
                ),
                "pad": rng.choice(
                    ["SLC-40", "LC-39A", "ELA-4", "LC-1A", "SLP", "Tanegashima Y2", "SLC-41"]
                ),
            }
        )
    w["launches"] = launches

    def news(kind: str, n: int, start: int) -> list[dict[str, Any]]:
        rows = []
        for i in range(n):
            lau = launches[(i * 7 + start) % len(launches)]
            mission = lau["name"].split(" | ")[1]
            verb = rng.choice(["prepares", "completes", "delays", "reviews", "celebrates"])
            title = f"{lau['provider']} {verb} {mission} {kind} #{start + i}"
            rows.append(
                {
                    "id": start + 31 * i,
                    "title": title,
                    "news_site": rng.choice(SITES),
                    "published_at": _date(rng, 2023, 2024) + "T10:00:00Z",
                    "summary": f"{lau['provider']} {verb} the {mission} mission on "
                    f"{ROCKETS[lau['provider']]} from pad {lau['pad']}.",
                    "launches": [lau["launch_id"]],
                }
            )
        return rows

    w["articles"] = news("update", 40, 20000)
    w["blogs"] = news("blog", 15, 30000)
    w["reports"] = news("report", 15, 40000)
    # sports
    w["teams"] = [
        {
            "team_id": 300 + 11 * i,
            "name": t,
            "league": ["Premier Division", "Championship North"][i % 2],
            "founded": rng.randint(1870, 1960),
            "venue": f"{t.split()[0]} Park",
        }
        for i, t in enumerate(TEAMS)
    ]
    w["standings"] = {}
    for lg in ("Premier Division", "Championship North"):
        rows = []
        for t in [t for t in w["teams"] if t["league"] == lg]:
            won, drawn = rng.randint(4, 24), rng.randint(2, 10)
            rows.append(
                {
                    "team": t["name"],
                    "team_id": t["team_id"],
                    "played": 34,
                    "won": won,
                    "drawn": drawn,
                    "lost": 34 - won - drawn,
                    "points": 3 * won + drawn,
                }
            )
        rows.sort(key=lambda r: (-r["points"], r["team"]))
        for k, r in enumerate(rows):
            r["rank"] = k + 1
        w["standings"][lg] = rows
    pnames = _names(rng, 48)
    w["players"] = [
        {
            "player_id": 9000 + 13 * i,
            "name": nm,
            "team_id": w["teams"][i % 12]["team_id"],
            "position": rng.choice(["Goalkeeper", "Defender", "Midfielder", "Attacker"]),
            "season": 2023,
            "appearances": rng.randint(5, 34),
            "goals": rng.randint(0, 24),
            "assists": rng.randint(0, 14),
        }
        for i, nm in enumerate(pnames)
    ]
    # social
    users = []
    for i, nm in enumerate(_names(rng, 20)):
        handle = nm.lower().replace(" ", "_").replace("ø", "o")[:15] + str(i)
        users.append(
            {
                "username": handle,
                "display_name": nm,
                "followers": rng.randint(40, 250_000),
                "following": rng.randint(10, 3000),
                "verified": rng.random() < 0.3,
                "bio": f"{rng.choice(HASHTAGS).title()} enthusiast from {rng.choice(CITIES)[0]}.",
            }
        )
    w["users"] = users
    posts = []
    for i in range(90):
        u = users[i % 20]
        tag = HASHTAGS[(i * 5) % len(HASHTAGS)]
        posts.append(
            {
                "post_id": f"17{i:04d}{rng.randint(100, 999)}",
                "username": u["username"],
                "text": f"Day {rng.randint(2, 300)} of {tag}: {rng.choice(['finally nailed it', 'what a morning', 'new personal best', 'learning every day', 'small wins matter'])}!",  # noqa: E501
                "hashtags": [tag],
                "likes": rng.randint(0, 5000) * 3 + i % 3,
                "reposts": rng.randint(0, 400),
                "created_at": _date(rng, 2023, 2024) + f"T{rng.randint(0, 23):02d}:"
                f"{i % 60:02d}:00Z",
            }
        )
    w["posts"] = posts
    w["disposable_domains"] = ["mailinator.com", "tempmail.dev", "throwaway.email"]
    # media
    artists = [
        {
            "artist_id": f"{rng.getrandbits(40):010x}",
            "name": nm,
            "genres": [rng.choice(MUSIC_GENRES)],
            "followers": rng.randint(1000, 9_000_000),
        }
        for nm in [
            f"{a} {n}s" for a, n in zip(rng.sample(ADJ, 12), rng.sample(NOUN, 12), strict=True)
        ]
    ]
    w["artists"] = artists
    tracks = []
    album_titles = _unique_titles(rng, 24, "{a} {n} Sessions")
    song_titles = _unique_titles(rng, 60, "{n} of the {a}")
    for i, title in enumerate(song_titles):
        tracks.append(
            {
                "track_id": f"{rng.getrandbits(40):010x}",
                "title": title,
                "artist_id": artists[i % 12]["artist_id"],
                "album": album_titles[i % 24],
                "duration_ms": rng.randint(150_000, 330_000),
                "year": rng.randint(2008, 2024),
                "plays": rng.randint(10_000, 90_000_000),
            }
        )
    w["tracks"] = tracks
    # video / images
    w["videos"] = [
        {
            "video_id": "".join(
                rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789_-")
                for _ in range(11)
            ),
            "title": f"How to do {t}: {rng.choice(['a beginner guide', 'the full walkthrough', 'common mistakes', 'pro tips'])}",  # noqa: E501
            "channel": f"{rng.choice(FIRST)} {rng.choice(['Makes', 'Explains', 'Workshop', 'Lab'])}",  # noqa: E501
            "views": rng.randint(1_000, 4_000_000),
            "likes": rng.randint(10, 90_000),
            "duration_seconds": rng.randint(120, 3600),
            "published": _date(rng, 2019, 2024),
            "tags": [t],
        }
        for t in VIDEO_TOPICS
    ]
    images = []
    for i, tag in enumerate(TAGS * 3):
        images.append(
            {
                "image_id": f"ph-{rng.getrandbits(24):06x}",
                "description": f"{rng.choice(['Misty', 'Sunlit', 'Quiet', 'Stormy'])} {tag}",
                "tags": [tag],
                "orientation": ["landscape", "portrait", "square"][i // 10],
                "width": 6000 if i // 10 == 0 else 4000,
                "height": 4000 if i // 10 == 0 else (6000 if i // 10 == 1 else 4000),
                "photographer": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "likes": rng.randint(0, 20_000),
            }
        )
    w["images"] = images
    # travel
    flights = []
    days = ["2024-05-10", "2024-05-11", "2024-06-02", "2024-07-19"]
    airlines = [
        ("TP", "TAP Air"),
        ("IB", "Iberia Express"),
        ("LH", "Lufthansa"),
        ("AF", "Air France"),
        ("KL", "KLM"),
        ("NH", "ANA"),
    ]
    for o in CITIES[:10]:
        for d in CITIES[:10]:
            if o == d:
                continue
            for day in days:
                for _ in range(rng.randint(2, 3)):
                    code, air = rng.choice(airlines)
                    dep = rng.randint(5, 21)
                    flights.append(
                        {
                            "flight_number": f"{code}{rng.randint(100, 9999)}",
                            "airline": air,
                            "origin": o[6],
                            "destination": d[6],
                            "date": day,
                            "departure": f"{dep:02d}:{rng.choice(['05', '20', '45'])}",
                            "duration_minutes": rng.randint(90, 900),
                            "stops": rng.choice([0, 0, 1, 2]),
                            "price": rng.randint(49, 1200) + 0.99,
                        }
                    )
    w["flights"] = flights
    hotel_words = ["Grand", "Boutique", "Harbour", "Old Town", "Garden", "Central", "Plaza"]
    w["hotels"] = [
        {
            "hotel_id": 70000 + i,
            "name": f"{rng.choice(hotel_words)} {rng.choice(NOUN)} {c[0]}",
            "city": c[0],
            "price_per_night": float(rng.randint(45, 420)),
            "rating": round(rng.uniform(6.0, 9.8), 1),
            "stars": rng.randint(2, 5),
        }
        for c in CITIES
        for i in [rng.randint(0, 10**6) for _ in range(4)]
    ]
    return w
