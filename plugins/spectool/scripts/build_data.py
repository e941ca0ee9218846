"""Build the SpecTool plugin's bundled data: the synthetic world and the query set (seeded).

    python plugins/spectool/scripts/build_data.py [--seed 2411]

writes src/harness_spectool/data/world.json, data/queries.json (the short set) and
data/queries_hard.json (the hard set, the default). Every ground-truth trajectory is
executed against the world here and the stated answer must be a value in its observations; the
plugin's tests check the same again on the shipped files.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from build_world import build_world  # noqa: E402
from harness_spectool.verify import verify_query  # noqa: E402

DATA = HERE.parent / "src" / "harness_spectool" / "data"
OPT = "optional"
Q = dict[str, Any]


def call(_tool: str, **args: Any) -> Q:
    return {"name": _tool, "arguments": args}


def query(goal: str, gts: list[list[Q]], answer: Any, goal_type: int, subgoals: list[str]) -> Q:
    return {
        "goal": goal,
        "ground_truth": gts,
        "subgoals": subgoals,
        "additional_info": {"answer": answer, "goal_type": goal_type},
    }


Template = Callable[[random.Random, dict[str, Any]], Q]

# ----------------------------------------------------------------------------- movies


def _movie(rng: random.Random, w: dict[str, Any]) -> dict[str, Any]:
    return rng.choice(w["movies"])


def _person(w: dict[str, Any], pid: int) -> dict[str, Any]:
    return next(p for p in w["people"] if p["id"] == pid)


def m_director(rng: random.Random, w: dict[str, Any]) -> Q:
    m = _movie(rng, w)
    d = _person(w, m["crew"][0]["person_id"])
    return query(
        f"Who directed the movie '{m['title']}'?",
        [
            [
                call("search_movie", query=m["title"], year=OPT),
                call("get_movie_credits", movie_id=m["id"]),
            ]
        ],
        d["name"],
        1,
        ["Find the movie's id", "Read the director from its crew"],
    )


def m_runtime(rng: random.Random, w: dict[str, Any]) -> Q:
    m = _movie(rng, w)
    return query(
        f"How many minutes long is '{m['title']}'?",
        [
            [
                call("search_movie", query=m["title"], year=OPT),
                call("get_movie_details", movie_id=m["id"]),
            ]
        ],
        m["runtime"],
        1,
        ["Find the movie's id", "Read its runtime"],
    )


def m_character(rng: random.Random, w: dict[str, Any]) -> Q:
    m = _movie(rng, w)
    c = m["cast"][rng.randint(0, 3)]
    a = _person(w, c["person_id"])
    return query(
        f"Which character did {a['name']} play in '{m['title']}'?",
        [
            [
                call("search_movie", query=m["title"], year=OPT),
                call("get_movie_credits", movie_id=m["id"]),
            ],
            [
                call("search_person", query=a["name"]),
                call("get_person_movie_credits", person_id=a["id"]),
            ],
        ],
        c["character"],
        1,
        ["Find the movie or the actor", "Read the character"],
    )


def m_director_birthplace(rng: random.Random, w: dict[str, Any]) -> Q:
    m = _movie(rng, w)
    d = _person(w, m["crew"][0]["person_id"])
    return query(
        f"Where was the director of '{m['title']}' born?",
        [
            [
                call("search_movie", query=m["title"], year=OPT),
                call("get_movie_credits", movie_id=m["id"]),
                call("get_person_details", person_id=d["id"]),
            ],
            [
                call("search_movie", query=m["title"], year=OPT),
                call("get_movie_credits", movie_id=m["id"]),
                call("search_person", query=d["name"]),
                call("get_person_details", person_id=d["id"]),
            ],
        ],
        d["place_of_birth"],
        1,
        ["Find the movie", "Find its director", "Read the director's place of birth"],
    )


def m_best_genre_year(rng: random.Random, w: dict[str, Any]) -> Q:
    m = _movie(rng, w)
    gid = rng.choice(m["genre_ids"])
    genre = w["genres"][str(gid)]
    year = int(m["release_date"][:4])
    pool = [x for x in w["movies"] if gid in x["genre_ids"] and x["release_date"][:4] == str(year)]
    best = max(pool, key=lambda x: (x["vote_average"], x["id"]))
    return query(
        f"What is the highest-rated {genre} movie released in {year}?",
        [
            [
                call(
                    "discover_movies",
                    with_genre=genre,
                    primary_release_year=year,
                    sort_by="vote_average.desc",
                )
            ]
        ],
        best["title"],
        1,
        ["Discover movies of that genre and year by rating"],
    )


def m_overview(rng: random.Random, w: dict[str, Any]) -> Q:
    m = _movie(rng, w)
    return query(
        f"Tell me what '{m['title']}' is about and its budget.",
        [
            [
                call("search_movie", query=m["title"], year=OPT),
                call("get_movie_details", movie_id=m["id"]),
            ]
        ],
        [m["overview"], m["budget"]],
        0,
        ["Find the movie", "Read overview and budget"],
    )


# ------------------------------------------------------------------ weather / travel / mixed


def _city(rng: random.Random, w: dict[str, Any], first: int = 16) -> dict[str, Any]:
    return rng.choice(w["cities"][:first])


def _day(rng: random.Random) -> str:
    return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def w_max_temp(rng: random.Random, w: dict[str, Any]) -> Q:
    from harness_spectool.tools import daily_value

    c, d = _city(rng, w), _day(rng)
    from datetime import date

    v = daily_value(c["latitude"], c["longitude"], date.fromisoformat(d), "temperature_2m_max")
    return query(
        f"What will the maximum temperature be in {c['name']} on {d}, in Celsius?",
        [
            [
                call("get_location", name=c["name"], count=OPT),
                call(
                    "get_daily_forecast",
                    latitude=c["latitude"],
                    longitude=c["longitude"],
                    start_date=d,
                    end_date=d,
                    variable="temperature_2m_max",
                    temperature_unit=OPT,
                ),
            ]
        ],
        v,
        1,
        ["Geocode the city", "Get the daily maximum temperature"],
    )


def w_elevation(rng: random.Random, w: dict[str, Any]) -> Q:
    c = _city(rng, w)
    return query(
        f"How high above sea level is {c['name']}, in metres?",
        [
            [call("get_location", name=c["name"], count=OPT)],
            [
                call("get_location", name=c["name"], count=OPT),
                call("get_elevation", latitude=c["latitude"], longitude=c["longitude"]),
            ],
        ],
        c["elevation"],
        1,
        ["Geocode the city", "Read its elevation"],
    )


def w_rain(rng: random.Random, w: dict[str, Any]) -> Q:
    from datetime import date

    from harness_spectool.tools import daily_value

    c, d = _city(rng, w), _day(rng)
    v = daily_value(c["latitude"], c["longitude"], date.fromisoformat(d), "precipitation_sum")
    return query(
        f"How much rain (mm) is expected in {c['name']} on {d}?",
        [
            [
                call("get_location", name=c["name"], count=OPT),
                call(
                    "get_daily_forecast",
                    latitude=c["latitude"],
                    longitude=c["longitude"],
                    start_date=d,
                    end_date=d,
                    variable="precipitation_sum",
                ),
            ]
        ],
        v,
        1,
        ["Geocode the city", "Get the precipitation sum for the day"],
    )


def w_current_f(rng: random.Random, w: dict[str, Any]) -> Q:
    from harness_spectool.tools import get_current_weather

    c = _city(rng, w)
    out = get_current_weather(
        w,
        {"latitude": c["latitude"], "longitude": c["longitude"], "temperature_unit": "fahrenheit"},
    )
    return query(
        f"What is the current temperature in {c['name']} in Fahrenheit?",
        [
            [
                call("get_location", name=c["name"], count=OPT),
                call(
                    "get_current_weather",
                    latitude=c["latitude"],
                    longitude=c["longitude"],
                    temperature_unit="fahrenheit",
                ),
            ]
        ],
        out["current"]["temperature_2m"],
        1,
        ["Geocode", "Current weather in °F"],
    )


def _flight_pair(rng: random.Random, w: dict[str, Any]) -> tuple[Q, Q, str]:
    o, d = rng.sample(w["cities"][:10], 2)
    return o, d, rng.choice(["2024-05-10", "2024-05-11", "2024-06-02", "2024-07-19"])


def _cheapest(w: dict[str, Any], o: Q, d: Q, day: str) -> Q:
    fs = [
        f
        for f in w["flights"]
        if f["origin"] == o["iata"] and f["destination"] == d["iata"] and f["date"] == day
    ]
    return min(fs, key=lambda f: f["price"])


def t_cheapest_flight(rng: random.Random, w: dict[str, Any]) -> Q:
    o, d, day = _flight_pair(rng, w)
    f = _cheapest(w, o, d, day)
    a, b = call("get_airport", city=o["name"]), call("get_airport", city=d["name"])
    s = call("search_flights", origin=o["iata"], destination=d["iata"], date=day, max_stops=OPT)
    return query(
        f"What is the flight number of the cheapest flight from {o['name']} to "
        f"{d['name']} on {day}?",
        [[a, b, s], [b, a, s]],
        f["flight_number"],
        1,
        ["Find both airports", "Search flights on the day", "Pick the cheapest"],
    )


def t_hotel(rng: random.Random, w: dict[str, Any]) -> Q:
    c = _city(rng, w)
    hs = [h for h in w["hotels"] if h["city"] == c["name"]]
    cap = sorted(h["price_per_night"] for h in hs)[len(hs) // 2]
    best = sorted(
        (h for h in hs if h["price_per_night"] <= cap),
        key=lambda h: (-h["rating"], h["price_per_night"]),
    )[0]
    return query(
        f"Which is the best-rated hotel in {c['name']} costing at most {cap:.0f} EUR per night?",
        [
            [call("search_hotels", city=c["name"], max_price=cap, min_rating=OPT)],
            [call("search_hotels", city=c["name"])],
        ],
        best["name"],
        1,
        ["Search hotels in the city under the price", "Pick the best"],
    )


def x_trip(rng: random.Random, w: dict[str, Any]) -> Q:
    from datetime import date

    from harness_spectool.tools import daily_value

    o, d, day = _flight_pair(rng, w)
    f = _cheapest(w, o, d, day)
    t = daily_value(d["latitude"], d["longitude"], date.fromisoformat(day), "temperature_2m_max")
    a, b = call("get_airport", city=o["name"]), call("get_airport", city=d["name"])
    s = call("search_flights", origin=o["iata"], destination=d["iata"], date=day, max_stops=OPT)
    g = call("get_location", name=d["name"], count=OPT)
    fc = call(
        "get_daily_forecast",
        latitude=d["latitude"],
        longitude=d["longitude"],
        start_date=day,
        end_date=day,
        variable="temperature_2m_max",
        temperature_unit=OPT,
    )
    return query(
        f"I am flying from {o['name']} to {d['name']} on {day}. Give me the cheapest "
        "flight's number and the maximum temperature at my destination that day.",
        [[a, b, s, g, fc], [g, fc, a, b, s]],
        [f["flight_number"], t],
        0,
        [
            "Find the airports",
            "Find the cheapest flight",
            "Geocode the destination",
            "Get the day's maximum temperature",
        ],
    )


def x_money(rng: random.Random, w: dict[str, Any]) -> Q:
    from harness_spectool.tools import convert_currency

    c = rng.choice([c for c in w["countries"] if c["currency"] != "USD"][:16])
    amount = rng.choice([100, 250, 500, 1200])
    out = convert_currency(w, {"amount": amount, "base": "USD", "target": c["currency"]})
    return query(
        f"I'm travelling to {c['name']} with {amount} US dollars. How much is that in "
        "the local currency?",
        [
            [
                call("get_country", name=c["name"]),
                call("convert_currency", amount=amount, base="USD", target=c["currency"]),
            ]
        ],
        out["conversion_result"],
        1,
        ["Find the country's currency", "Convert"],
    )


# ----------------------------------------------------------------------------- patents


def p_assignee(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["patents"])
    return query(
        f"Which organization is the assignee of US patent {p['patent_id']}?",
        [[call("get_patent_details", patent_id=p["patent_id"])]],
        p["assignee"],
        1,
        ["Look up the patent"],
    )


def p_title_year(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["patents"])
    year = int(p["date"][:4])
    topic = " ".join(p["abstract"].split()[3:5])
    same = [
        x
        for x in w["patents"]
        if x["assignee"] == p["assignee"] and x["date"][:4] == str(year) and topic in x["abstract"]
    ]
    if len(same) != 1:
        raise LookupError("ambiguous")
    return query(
        f"What is the title of the {year} patent granted to {p['assignee']} about {topic}?",
        [
            [call("search_patents", keyword=topic, assignee=OPT, year=OPT)],
            [call("get_assignee_patents", assignee=p["assignee"], year=year)],
        ],
        p["title"],
        1,
        ["Search the assignee's patents for the topic and year"],
    )


def p_claims(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["patents"])
    return query(
        f"How many claims does the patent titled '{p['title']}' have?",
        [
            [
                call("search_patents", keyword=p["title"]),
                call("get_patent_details", patent_id=p["patent_id"]),
            ]
        ],
        p["num_claims"],
        1,
        ["Find the patent by title", "Read its number of claims"],
    )


def p_inventor(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["patents"])
    inv = p["inventors"][0]
    n = sum(inv in x["inventors"] for x in w["patents"])
    return query(
        f"How many patents name {inv} as an inventor?",
        [[call("get_inventor_patents", inventor_name=inv)]],
        n,
        1,
        ["Look up the inventor's patents", "Count them"],
    )


def p_section(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["patents"])
    return query(
        f"For patent {p['patent_id']}, give its CPC section and its first inventor.",
        [[call("get_patent_details", patent_id=p["patent_id"])]],
        [p["cpc_section"], p["inventors"][0]],
        0,
        ["Look up the patent"],
    )


# ----------------------------------------------------------------------------- spaceflight


def s_site(rng: random.Random, w: dict[str, Any]) -> Q:
    a = rng.choice(w["articles"])
    return query(
        f"Which news site published the article '{a['title']}'?",
        [
            [call("search_articles", search=a["title"], limit=OPT, news_site=OPT)],
            [
                call("search_articles", search=a["title"], limit=OPT),
                call("get_article", article_id=a["id"]),
            ],
        ],
        a["news_site"],
        1,
        ["Search the article", "Read its news site"],
    )


def s_provider(rng: random.Random, w: dict[str, Any]) -> Q:
    a = rng.choice(w["articles"])
    lau = next(x for x in w["launches"] if x["launch_id"] == a["launches"][0])
    return query(
        f"What is the pad of the launch covered by the article '{a['title']}'?",
        [
            [
                call("search_articles", search=a["title"], limit=OPT),
                call("get_article", article_id=a["id"]),
                call("get_launch", launch_id=lau["launch_id"]),
            ]
        ],
        lau["pad"],
        1,
        ["Find the article", "Read its launch id", "Look up the launch"],
    )


def s_report_date(rng: random.Random, w: dict[str, Any]) -> Q:
    r = rng.choice(w["reports"])
    return query(
        f"When was the report '{r['title']}' published?",
        [
            [call("search_reports", search=r["title"], limit=OPT)],
            [
                call("search_reports", search=r["title"], limit=OPT),
                call("get_article", article_id=r["id"]),
            ],
        ],
        r["published_at"],
        1,
        ["Search the reports", "Read its publication date"],
    )


def s_blog_summary(rng: random.Random, w: dict[str, Any]) -> Q:
    b = rng.choice(w["blogs"])
    return query(
        f"Summarise the blog post '{b['title']}'.",
        [
            [
                call("search_blogs", search=b["title"], limit=OPT),
                call("get_article", article_id=b["id"]),
            ]
        ],
        b["summary"],
        0,
        ["Find the blog post", "Read its summary"],
    )


def s_launch_status(rng: random.Random, w: dict[str, Any]) -> Q:
    a = rng.choice(w["articles"])
    lau = next(x for x in w["launches"] if x["launch_id"] == a["launches"][0])
    return query(
        f"Did the launch discussed in '{a['title']}' succeed? Give its status.",
        [
            [
                call("search_articles", search=a["title"], limit=OPT),
                call("get_article", article_id=a["id"]),
                call("get_launch", launch_id=lau["launch_id"]),
            ]
        ],
        lau["status"],
        1,
        ["Find the article", "Look up its launch's status"],
    )


# ----------------------------------------------------------------------------- sports


def sp_leader(rng: random.Random, w: dict[str, Any]) -> Q:
    lg = rng.choice(["Premier Division", "Championship North"])
    top = w["standings"][lg][0]
    return query(
        f"Which team topped the {lg} in the 2023 season, and with how many points?",
        [[call("get_league_standings", league=lg, season=2023)]],
        [top["team"], top["points"]],
        0,
        ["Get the 2023 standings", "Read the top row"],
    )


def sp_goals(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["players"])
    t = next(t for t in w["teams"] if t["team_id"] == p["team_id"])
    return query(
        f"How many goals did {p['name']} of {t['name']} score in the 2023 season?",
        [
            [
                call("search_team", name=t["name"]),
                call("get_team_players", team_id=t["team_id"]),
                call("get_player_stats", player_id=p["player_id"], season=2023),
            ]
        ],
        p["goals"],
        1,
        ["Find the team", "Find the player", "Read the season stats"],
    )


# ----------------------------------------------------------------------------- social


def so_followers(rng: random.Random, w: dict[str, Any]) -> Q:
    u = rng.choice(w["users"])
    return query(
        f"How many followers does @{u['username']} have?",
        [[call("get_user_profile", username=u["username"])]],
        u["followers"],
        1,
        ["Get the profile"],
    )


def so_latest(rng: random.Random, w: dict[str, Any]) -> Q:
    u = rng.choice(w["users"])
    ps = sorted(
        (p for p in w["posts"] if p["username"] == u["username"]),
        key=lambda p: p["created_at"],
        reverse=True,
    )
    return query(
        f"What did @{u['username']} write in their most recent post?",
        [[call("get_user_posts", username=u["username"], limit=OPT)]],
        ps[0]["text"],
        1,
        ["Get the user's posts", "Take the newest"],
    )


def so_top_tag(rng: random.Random, w: dict[str, Any]) -> Q:
    tag = rng.choice(sorted({p["hashtags"][0] for p in w["posts"]}))
    ps = [p for p in w["posts"] if tag in p["hashtags"]]
    best = max(ps, key=lambda p: p["likes"])
    return query(
        f"Who wrote the most-liked post tagged #{tag}?",
        [
            [call("search_hashtag", hashtag=tag)],
            [call("search_hashtag", hashtag=tag), call("get_post", post_id=best["post_id"])],
        ],
        best["username"],
        1,
        ["Search the hashtag", "Pick the post with most likes"],
    )


def so_likes(rng: random.Random, w: dict[str, Any]) -> Q:
    p = rng.choice(w["posts"])
    return query(
        f"How many likes does post {p['post_id']} have?",
        [[call("get_post", post_id=p["post_id"])]],
        p["likes"],
        1,
        ["Get the post"],
    )


# ----------------------------------------------------------------------------- media


def me_top_track(rng: random.Random, w: dict[str, Any]) -> Q:
    a = rng.choice(w["artists"])
    top = max(
        (t for t in w["tracks"] if t["artist_id"] == a["artist_id"]), key=lambda t: t["plays"]
    )
    return query(
        f"What is the most played track by {a['name']}?",
        [
            [
                call("search_artist", name=a["name"]),
                call("get_artist_top_tracks", artist_id=a["artist_id"], limit=OPT),
            ]
        ],
        top["title"],
        1,
        ["Find the artist", "Get their top tracks"],
    )


def me_album(rng: random.Random, w: dict[str, Any]) -> Q:
    t = rng.choice(w["tracks"])
    return query(
        f"On which album is the track '{t['title']}'?",
        [[call("search_track", title=t["title"])]],
        t["album"],
        1,
        ["Search the track"],
    )


def me_album_len(rng: random.Random, w: dict[str, Any]) -> Q:
    t = rng.choice(w["tracks"])
    n = sum(x["album"] == t["album"] for x in w["tracks"])
    return query(
        f"How many tracks are on the album '{t['album']}'?",
        [
            [call("get_album", album=t["album"])],
            [call("search_track", title=t["title"]), call("get_album", album=t["album"])],
        ],
        n,
        1,
        ["Look up the album", "Count its tracks"],
    )


# ----------------------------------------------------------------------------- data


def d_capital(rng: random.Random, w: dict[str, Any]) -> Q:
    c = rng.choice(w["countries"])
    return query(
        f"What is the capital of {c['name']}?",
        [[call("get_country", name=c["name"])], [call("get_country", name=c["code"])]],
        c["capital"],
        1,
        ["Look up the country"],
    )


def d_convert(rng: random.Random, w: dict[str, Any]) -> Q:
    from harness_spectool.tools import convert_currency

    b, t = rng.sample(sorted(w["rates"]), 2)
    amount = rng.choice([20, 75, 150, 999])
    out = convert_currency(w, {"amount": amount, "base": b, "target": t})
    return query(
        f"Convert {amount} {b} to {t}.",
        [[call("convert_currency", amount=amount, base=b, target=t)]],
        out["conversion_result"],
        1,
        ["Convert the amount"],
    )


def d_stock(rng: random.Random, w: dict[str, Any]) -> Q:
    s = rng.choice(w["stocks"])
    return query(
        f"What is the latest share price of {s['company']} (ticker {s['symbol']})?",
        [[call("get_stock_quote", symbol=s["symbol"])]],
        s["price"],
        1,
        ["Get the quote"],
    )


def d_population(rng: random.Random, w: dict[str, Any]) -> Q:
    c = rng.choice(w["countries"])
    return query(
        f"What is the population of {c['name']} and in which region is it?",
        [[call("get_country", name=c["name"])], [call("get_country", name=c["code"])]],
        [c["population"], c["region"]],
        0,
        ["Look up the country"],
    )


# ----------------------------------------------------------------------------- tools


def tl_units(rng: random.Random, w: dict[str, Any]) -> Q:
    from harness_spectool.tools import convert_units

    f, t = rng.choice(
        [("mile", "kilometer"), ("pound", "kilogram"), ("gallon", "liter"), ("foot", "meter")]
    )
    v = rng.choice([3, 12, 26.2, 150])
    out = convert_units(w, {"value": v, "from_unit": f, "to_unit": t})
    return query(
        f"Convert {v} {f}s to {t}s.",
        [[call("convert_units", value=v, from_unit=f, to_unit=t)]],
        out["result"],
        1,
        ["Convert the value"],
    )


def tl_tz(rng: random.Random, w: dict[str, Any]) -> Q:
    c = _city(rng, w)
    return query(
        f"Which time zone is {c['name']} in?",
        [[call("get_timezone", city=c["name"])]],
        c["timezone"],
        1,
        ["Look up the city's time zone"],
    )


def tl_short(rng: random.Random, w: dict[str, Any]) -> Q:
    from harness_spectool.tools import shorten_url

    url = f"https://www.example.org/{rng.choice(['blog', 'docs', 'shop'])}/{rng.randint(10, 999)}"
    return query(
        f"Give me a short link for {url}.",
        [[call("shorten_url", url=url)]],
        shorten_url(w, {"url": url})["result_url"],
        1,
        ["Shorten the URL"],
    )


def tl_email(rng: random.Random, w: dict[str, Any]) -> Q:
    user = rng.choice(["ana", "j.smith", "orders", "hello"])
    dom = rng.choice(["mailinator.com", "example.com", "tempmail.dev", "company.io"])
    email = f"{user}@{dom}"
    return query(
        f"Can mail be delivered to {email}? Answer true or false.",
        [[call("validate_email", email=email)]],
        dom not in w["disposable_domains"],
        1,
        ["Validate the address"],
    )


# ----------------------------------------------------------------------------- video / images


def v_views(rng: random.Random, w: dict[str, Any]) -> Q:
    v = rng.choice(w["videos"])
    topic = v["tags"][0]
    return query(
        f"How many views does the video about {topic} have?",
        [
            [
                call("search_videos", query=topic, max_results=OPT),
                call("get_video_details", video_id=v["video_id"]),
            ]
        ],
        v["views"],
        1,
        ["Search the video", "Read its view count"],
    )


def v_photographer(rng: random.Random, w: dict[str, Any]) -> Q:
    tag = rng.choice(sorted({i["tags"][0] for i in w["images"]}))
    o = rng.choice(["landscape", "portrait", "square"])
    img = next(i for i in w["images"] if tag in i["tags"] and i["orientation"] == o)
    return query(
        f"Who took the {o} stock photo of a {tag}?",
        [
            [
                call("search_images", query=tag, orientation=o),
                call("get_image", image_id=img["image_id"]),
            ],
            [call("search_images", query=tag), call("get_image", image_id=img["image_id"])],
        ],
        img["photographer"],
        1,
        ["Search photos", "Open the right one"],
    )


# ----------------------------------------------------------------------------- plan

PLAN: list[tuple[str, str, int, list[Template]]] = [
    # category, environment, count, templates (cycled)
    ("Patent", "patent", 20, [p_assignee, p_title_year, p_claims, p_inventor, p_section]),
    (
        "Movies",
        "movie",
        30,
        [m_director, m_runtime, m_character, m_director_birthplace, m_best_genre_year, m_overview],
    ),
    ("Travel", "travel", 5, [t_cheapest_flight, t_hotel]),
    ("Sports", "sports", 8, [sp_leader, sp_goals]),
    ("Tools", "tools", 12, [tl_units, tl_tz, tl_short, tl_email]),
    ("Data", "data", 14, [d_capital, d_convert, d_stock, d_population]),
    ("Social", "social", 16, [so_followers, so_latest, so_top_tag, so_likes]),
    ("Media", "media", 11, [me_top_track, me_album, me_album_len]),
    (
        "Spaceflight",
        "spaceflight",
        25,
        [s_site, s_provider, s_report_date, s_blog_summary, s_launch_status],
    ),
    ("Video Images", "video_images", 9, [v_views, v_photographer]),
    ("Weather", "weather", 10, [w_max_temp, w_elevation, w_rain, w_current_f]),
    ("Mixed", "mixed", 10, [x_trip, x_money]),
]


def build_queries(world: dict[str, Any], seed: int) -> list[Q]:
    rng = random.Random(seed + 1)
    out: list[Q] = []
    for category, env, count, templates in PLAN:
        seen: set[str] = set()
        k = 0
        while len([q for q in out if q["category"] == category]) < count:
            tpl = templates[k % len(templates)]
            k += 1
            try:
                q = tpl(rng, world)
            except LookupError:
                continue
            if q["goal"] in seen:
                continue
            seen.add(q["goal"])
            slug = category.lower().replace(" ", "_")
            q["id"] = f"{slug}-{len(seen):03d}"
            q["category"] = category
            q["additional_info"].update(tool=env, category=category, template=tpl.__name__)
            problems = verify_query(q, world)
            if problems:
                raise SystemExit(f"{q['id']} ({tpl.__name__}) fails: {problems}")
            out.append(q)
    return out


# ----------------------------------------------------------------------------- the hard set
#
# The paper's queries need about six API calls each (6.2 on average) and were augmented with
# constraints, sentence transformations and irrelevant additions. The hard set composes two to
# four questions of one category into one query (their ground truths concatenated, every fact
# of every part in the answer), then writes each query as one of four variants:
#   multi        the parts in order, plainly;
#   paraphrase   each part reframed (a lead-in or a reworded opening), the parts reordered;
#   irrelevance  irrelevant sentences added, some naming things of the same domain that must
#                not be looked up;
#   constraint   a stated limit that fixes an "optional" argument of the ground truth (results
#                per search, nonstop flights, temperature unit), checked to still reach the
#                answer; falls back to multi when no part has such an argument.

HARD_CALLS = (5, 8)  # calls per composed ground truth (first trajectory), inclusive
MAX_ALTERNATIVES = 4
VARIANTS = ["multi", "paraphrase", "irrelevance", "constraint"]

# (tool, argument) -> ordered candidate (value, sentence); the first that keeps the answer wins
PINS: dict[tuple[str, str], list[tuple[Any, str]]] = {
    ("search_articles", "limit"): [
        (5, "Look at no more than 5 results per search."),
        (10, "Look at no more than 10 results per search."),
    ],
    ("search_reports", "limit"): [
        (5, "Look at no more than 5 results per search."),
        (10, "Look at no more than 10 results per search."),
    ],
    ("search_blogs", "limit"): [
        (5, "Look at no more than 5 results per search."),
        (10, "Look at no more than 10 results per search."),
    ],
    ("get_location", "count"): [(1, "Take only the first match when you look a place up.")],
    ("get_user_posts", "limit"): [(10, "Fetch at most 10 posts per user.")],
    ("get_artist_top_tracks", "limit"): [
        (5, "Fetch at most 5 top tracks per artist."),
        (10, "Fetch at most 10 top tracks per artist."),
    ],
    ("search_videos", "max_results"): [
        (5, "Ask for at most 5 videos per search."),
        (10, "Ask for at most 10 videos per search."),
    ],
    ("search_flights", "max_stops"): [
        (0, "Consider nonstop flights only."),
        (1, "Consider flights with at most one stop."),
    ],
    ("get_daily_forecast", "temperature_unit"): [
        ("celsius", "Give temperatures in degrees Celsius."),
        ("fahrenheit", "Give temperatures in degrees Fahrenheit."),
    ],
    ("search_hotels", "min_rating"): [(4, "Only consider hotels rated 4 or higher.")],
}

REWORD = [("Who directed ", "Tell me who directed "), ("Give me ", "I need ")]
LEADS = ["Please find out: ", "I'd like to know this: ", "Also check: ", "One more thing: ", ""]
IRRELEVANT = [
    "I am writing this from a train, so excuse the brevity.",
    "My colleague asked me something similar last week but never followed up.",
    "This is for a quiz night I am hosting on Friday.",
    "I already know the answers to unrelated questions about football, so skip those.",
    "No need to explain how you got the results.",
]


def _phrase_part(goal: str, rng: random.Random) -> str:
    """One part reframed: a reworded opening where that stays grammatical, else a lead-in."""
    for old, new in REWORD:
        if goal.startswith(old):
            return new + goal[len(old) :]
    return rng.choice(LEADS) + goal


def _distractor(category: str, rng: random.Random, parts: list[Q], pool: list[Q]) -> str:
    """A sentence naming another query's subject of the same category (not to be looked up)."""
    others = [q for q in pool if q["goal"] not in {p["goal"] for p in parts}]
    other = rng.choice(others)["goal"]
    return f"(A friend also asked me: {other} Ignore that one.)"


def _compose(parts: list[Q]) -> tuple[list[list[Q]], list[Any], list[str]]:
    trajectories: list[list[Q]] = [[]]
    for part in parts:
        trajectories = [t + alt for t in trajectories for alt in part["ground_truth"]][
            :MAX_ALTERNATIVES
        ]
    answer: list[Any] = []
    for part in parts:
        a = part["additional_info"]["answer"]
        answer.extend(a if isinstance(a, list) else [a])
    subgoals = [s for part in parts for s in part.get("subgoals", [])]
    return trajectories, answer, subgoals


def _pinned_variants(gts: list[list[Q]], rng: random.Random) -> Iterator[tuple[list[list[Q]], str]]:
    """The ground truths with one kind of "optional" argument fixed (in every call of that
    tool), and the sentence that says so; candidates in a seeded order."""
    keys = sorted(
        {(c["name"], k) for t in gts for c in t for k, v in c["arguments"].items() if v == OPT}
        & set(PINS)
    )
    rng.shuffle(keys)
    for key in keys:
        for value, sentence in PINS[key]:
            pinned = [
                [
                    dict(
                        c,
                        arguments={
                            k: (value if (c["name"], k) == key and v == OPT else v)
                            for k, v in c["arguments"].items()
                        },
                    )
                    for c in t
                ]
                for t in gts
            ]
            yield pinned, sentence


def _call_key(c: Q) -> str:
    """A call as it is made ("optional" arguments left out, as the oracle agent does)."""
    args = {k: v for k, v in c["arguments"].items() if v != OPT}
    return json.dumps([c["name"], args], sort_keys=True)


def build_hard_queries(world: dict[str, Any], seed: int) -> list[Q]:
    """The hard set: per category the same count as the short set, variants in turn."""
    rng = random.Random(seed + 7)
    out: list[Q] = []
    for category, env, count, templates in PLAN:
        pool: list[Q] = []
        k = 0
        while len(pool) < 60:  # single questions to compose from
            tpl = templates[k % len(templates)]
            k += 1
            try:
                q = tpl(rng, world)
            except LookupError:
                continue
            q["additional_info"]["template"] = tpl.__name__
            if all(q["goal"] != p["goal"] for p in pool):
                pool.append(q)
            if k > 2000:
                break
        made: list[Q] = []
        seen: set[str] = set()
        tries = 0
        while len(made) < count:
            tries += 1
            if tries > 20_000:
                raise SystemExit(f"{category}: cannot compose {count} hard queries")
            variant = VARIANTS[len(made) % len(VARIANTS)]
            target = rng.randint(HARD_CALLS[0], HARD_CALLS[1] - 1)
            parts = []
            for p in rng.sample(pool, len(pool)):
                parts.append(p)
                if sum(len(x["ground_truth"][0]) for x in parts) >= target or len(parts) == 6:
                    break
            first = [c for p in parts for c in p["ground_truth"][0]]
            if not HARD_CALLS[0] <= len(first) <= HARD_CALLS[1] or len(parts) < 2:
                continue
            keys = [_call_key(c) for c in first]
            if len(set(keys)) != len(keys):
                continue  # two parts share a call: the composition would repeat it
            gts, answer, subgoals = _compose(parts)
            # an accepted trajectory never needs the same call twice
            gts = [t for t in gts if len({_call_key(c) for c in t}) == len(t)]
            goals = [p["goal"] for p in parts]
            extra = ""
            if variant == "constraint":
                for pinned, sentence in _pinned_variants(gts, rng):
                    trial = query("x", pinned, answer, 0, subgoals)
                    trial["additional_info"].update(tool=env, category=category)
                    if not verify_query(trial, world):
                        gts, extra = pinned, " " + sentence
                        break
                else:
                    variant = "multi"
            if variant == "paraphrase":
                order = list(range(len(parts)))
                rng.shuffle(order)
                goal = " ".join(_phrase_part(goals[i], rng) for i in order)
                goal = rng.choice(["", "Could you help me? ", "I need a few facts. "]) + goal
            else:
                goal = f"I have {len(parts)} questions. " + " ".join(
                    f"({i + 1}) {g}" for i, g in enumerate(goals)
                )
                if variant == "irrelevance":
                    noise = [rng.choice(IRRELEVANT), _distractor(category, rng, parts, pool)]
                    rng.shuffle(noise)
                    goal = f"{noise[0]} {goal} {noise[1]}"
            goal += extra
            if goal in seen:
                continue
            names = sorted({p["additional_info"]["template"] for p in parts})
            q = query(goal, gts, answer, 0, subgoals)
            slug = category.lower().replace(" ", "_")
            q["id"] = f"hard-{slug}-{len(made) + 1:03d}"
            q["category"] = category
            q["additional_info"].update(
                tool=env,
                category=category,
                template="+".join(names),
                variant=variant,
                parts=len(parts),
            )
            problems = verify_query(q, world)
            if problems:
                raise SystemExit(f"{q['id']} fails: {problems}")
            seen.add(goal)
            made.append(q)
        out.extend(made)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2411)
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args()
    world = build_world(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "world.json").write_text(
        json.dumps(world, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    queries = build_queries(world, args.seed)
    (args.out / "queries.json").write_text(
        json.dumps(queries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    hard = build_hard_queries(world, args.seed)
    (args.out / "queries_hard.json").write_text(
        json.dumps(hard, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(queries)} short and {len(hard)} hard queries and the world to {args.out}")


if __name__ == "__main__":
    main()
