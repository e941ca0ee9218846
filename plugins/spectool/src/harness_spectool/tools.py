"""The offline tools of every SpecTool domain: a JSON-Schema signature and a handler over the world.

The domains stand in for the live APIs of the paper (TMDB, Open-Meteo, PatentsView, Spaceflight
News, RapidAPI categories). Handlers are deterministic functions of the bundled world; a bad value
raises :class:`ApiError` carrying the kind of error body the real service answers with.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from harness_spectool.world import norm

Handler = Callable[[dict[str, Any], dict[str, Any]], Any]


class ApiError(Exception):
    """A realistic error answer of the service (the body the agent sees)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.body = body


@dataclass(frozen=True)
class ToolDef:
    name: str
    description: str
    parameters: dict[str, Any]
    handler: Handler


def _schema(props: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


S = {"type": "string"}
I = {"type": "integer"}  # noqa: E741
N = {"type": "number"}


def _p(base: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {**base, "description": description, **extra}


def _find(rows: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any] | None:
    return next((r for r in rows if r[key] == value), None)


# ----------------------------------------------------------------------------- movies (TMDB-like)

TMDB_404 = {
    "success": False,
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
}


def _movie_brief(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m["id"],
        "title": m["title"],
        "release_date": m["release_date"],
        "vote_average": m["vote_average"],
        "genre_ids": m["genre_ids"],
    }


def search_movie(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["query"])
    hits = [m for m in w["movies"] if q in norm(m["title"])]
    if "year" in a:
        hits = [m for m in hits if m["release_date"].startswith(str(a["year"]))]
    return {"page": 1, "total_results": len(hits), "results": [_movie_brief(m) for m in hits]}


def get_movie_details(w: dict[str, Any], a: dict[str, Any]) -> Any:
    m = _find(w["movies"], "id", a["movie_id"])
    if m is None:
        raise ApiError(TMDB_404)
    genres = [{"id": g, "name": w["genres"][str(g)]} for g in m["genre_ids"]]
    return {k: v for k, v in m.items() if k not in ("cast", "crew", "genre_ids")} | {
        "genres": genres
    }


def get_movie_credits(w: dict[str, Any], a: dict[str, Any]) -> Any:
    m = _find(w["movies"], "id", a["movie_id"])
    if m is None:
        raise ApiError(TMDB_404)
    people = {p["id"]: p for p in w["people"]}
    cast = [
        {
            "id": c["person_id"],
            "name": people[c["person_id"]]["name"],
            "character": c["character"],
            "order": c["order"],
        }
        for c in m["cast"]
    ]
    crew = [
        {"id": c["person_id"], "name": people[c["person_id"]]["name"], "job": c["job"]}
        for c in m["crew"]
    ]
    return {"id": m["id"], "cast": cast, "crew": crew}


def search_person(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["query"])
    hits = [p for p in w["people"] if q in norm(p["name"])]
    return {
        "page": 1,
        "total_results": len(hits),
        "results": [
            {"id": p["id"], "name": p["name"], "known_for_department": p["known_for_department"]}
            for p in hits
        ],
    }


def get_person_details(w: dict[str, Any], a: dict[str, Any]) -> Any:
    p = _find(w["people"], "id", a["person_id"])
    if p is None:
        raise ApiError(TMDB_404)
    return p


def get_person_movie_credits(w: dict[str, Any], a: dict[str, Any]) -> Any:
    pid = a["person_id"]
    if _find(w["people"], "id", pid) is None:
        raise ApiError(TMDB_404)
    cast, crew = [], []
    for m in w["movies"]:
        for c in m["cast"]:
            if c["person_id"] == pid:
                cast.append(
                    {
                        "id": m["id"],
                        "title": m["title"],
                        "character": c["character"],
                        "release_date": m["release_date"],
                    }
                )
        for c in m["crew"]:
            if c["person_id"] == pid:
                crew.append(
                    {
                        "id": m["id"],
                        "title": m["title"],
                        "job": c["job"],
                        "release_date": m["release_date"],
                    }
                )
    return {"id": pid, "cast": cast, "crew": crew}


SORTS = ["popularity.desc", "vote_average.desc", "revenue.desc", "release_date.desc"]


def discover_movies(w: dict[str, Any], a: dict[str, Any]) -> Any:
    names = {v: int(k) for k, v in w["genres"].items()}
    hits = list(w["movies"])
    if "with_genre" in a:
        gid = names.get(a["with_genre"])
        if gid is None:
            raise ApiError(
                {
                    "success": False,
                    "status_code": 22,
                    "status_message": f"Unknown genre '{a['with_genre']}'.",
                }
            )
        hits = [m for m in hits if gid in m["genre_ids"]]
    if "primary_release_year" in a:
        hits = [m for m in hits if m["release_date"].startswith(str(a["primary_release_year"]))]
    key = a.get("sort_by", "popularity.desc")
    if key not in SORTS:
        raise ApiError(
            {
                "success": False,
                "status_code": 22,
                "status_message": f"Invalid sort_by value '{key}'.",
            }
        )
    field = {
        "popularity.desc": "popularity",
        "vote_average.desc": "vote_average",
        "revenue.desc": "revenue",
        "release_date.desc": "release_date",
    }[key]
    hits.sort(key=lambda m: (m[field], m["id"]), reverse=True)
    return {"page": 1, "total_results": len(hits), "results": [_movie_brief(m) for m in hits[:10]]}


# ------------------------------------------------------------------ weather (Open-Meteo-like)

WEATHER_VARS = [
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_sum",
    "wind_speed_10m_max",
]
FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2024, 12, 31)


def _unit(v: float, unit: str) -> float:
    return round(v * 9 / 5 + 32, 1) if unit == "fahrenheit" else round(v, 1)


def _hashf(*parts: Any) -> float:
    h = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32


def daily_value(lat: float, lon: float, day: date, var: str) -> float:
    """The deterministic synthetic weather of a grid cell (0.1 degree) on a day."""
    cell = (round(lat, 1), round(lon, 1))
    season = math.cos((day.timetuple().tm_yday - 200) / 365 * 2 * math.pi)
    base = 27 - abs(cell[0]) * 0.45 + 9 * season * (1 if cell[0] >= 0 else -1)
    r = _hashf(cell, day.isoformat(), var)
    if var == "temperature_2m_max":
        return round(base + 3 + 6 * r, 1)
    if var == "temperature_2m_min":
        return round(base - 7 + 5 * r, 1)
    if var == "precipitation_sum":
        return round(max(0.0, (r - 0.55) * 30), 1)
    return round(5 + 30 * r, 1)


def _coords(a: dict[str, Any]) -> tuple[float, float]:
    lat, lon = float(a["latitude"]), float(a["longitude"])
    if not -90 <= lat <= 90:
        raise ApiError(
            {"error": True, "reason": f"Latitude must be in range of -90 to 90°. Given: {lat}."}
        )
    if not -180 <= lon <= 180:
        raise ApiError(
            {"error": True, "reason": f"Longitude must be in range of -180 to 180°. Given: {lon}."}
        )
    return lat, lon


def _day(text: str, name: str) -> date:
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise ApiError(
            {
                "error": True,
                "reason": f"Invalid date format for parameter '{name}'. Expected YYYY-MM-DD.",
            }
        ) from None
    if not FIRST_DAY <= d <= LAST_DAY:
        raise ApiError(
            {
                "error": True,
                "reason": f"Parameter '{name}' is out of allowed range "
                f"from {FIRST_DAY} to {LAST_DAY}",
            }
        )
    return d


def get_location(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["name"])
    hits = [c for c in w["cities"] if norm(c["name"]) == q or q in norm(c["name"])]
    count = a.get("count", 10)
    return {
        "results": [
            {k: c[k] for k in ("name", "latitude", "longitude", "country", "timezone", "elevation")}
            for c in hits[:count]
        ]
    }


def get_current_weather(w: dict[str, Any], a: dict[str, Any]) -> Any:
    lat, lon = _coords(a)
    unit = a.get("temperature_unit", "celsius")
    if unit not in ("celsius", "fahrenheit"):
        raise ApiError(
            {
                "error": True,
                "reason": f"Cannot initialize TemperatureUnit from invalid String value {unit}",
            }
        )
    today = date(2024, 6, 15)
    tmax = daily_value(lat, lon, today, "temperature_2m_max")
    return {
        "latitude": round(lat, 2),
        "longitude": round(lon, 2),
        "current": {
            "time": "2024-06-15T12:00",
            "temperature_2m": _unit(tmax - 1.5, unit),
            "wind_speed_10m": daily_value(lat, lon, today, "wind_speed_10m_max"),
            "precipitation": daily_value(lat, lon, today, "precipitation_sum"),
        },
        "current_units": {
            "temperature_2m": "°F" if unit == "fahrenheit" else "°C",
            "wind_speed_10m": "km/h",
            "precipitation": "mm",
        },
    }


def get_daily_forecast(w: dict[str, Any], a: dict[str, Any]) -> Any:
    lat, lon = _coords(a)
    start, end = _day(a["start_date"], "start_date"), _day(a["end_date"], "end_date")
    if end < start:
        raise ApiError(
            {"error": True, "reason": "Parameter 'end_date' must not be before 'start_date'"}
        )
    if (end - start).days > 31:
        raise ApiError({"error": True, "reason": "The requested range exceeds 31 days"})
    var = a["variable"]
    if var not in WEATHER_VARS:
        raise ApiError(
            {
                "error": True,
                "reason": f"Cannot initialize WeatherVariable from invalid String value {var}",
            }
        )
    unit = a.get("temperature_unit", "celsius")
    days = [date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1)]
    vals = [daily_value(lat, lon, d, var) for d in days]
    if var.startswith("temperature"):
        vals = [_unit(v, unit) for v in vals]
    return {
        "latitude": round(lat, 2),
        "longitude": round(lon, 2),
        "daily": {"time": [d.isoformat() for d in days], var: vals},
    }


def get_elevation(w: dict[str, Any], a: dict[str, Any]) -> Any:
    lat, lon = _coords(a)
    for c in w["cities"]:
        if abs(c["latitude"] - lat) < 0.05 and abs(c["longitude"] - lon) < 0.05:
            return {"elevation": [c["elevation"]]}
    return {"elevation": [round(50 + 900 * _hashf(round(lat, 1), round(lon, 1)), 0)]}


# ----------------------------------------------------------------------------- patents


def _pat_brief(p: dict[str, Any]) -> dict[str, Any]:
    return {"patent_id": p["patent_id"], "patent_title": p["title"], "patent_date": p["date"]}


def search_patents(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["keyword"])
    hits = [p for p in w["patents"] if q in norm(p["title"]) or q in norm(p["abstract"])]
    if "assignee" in a:
        hits = [p for p in hits if norm(a["assignee"]) in norm(p["assignee"])]
    if "year" in a:
        hits = [p for p in hits if p["date"].startswith(str(a["year"]))]
    return {
        "error": False,
        "count": len(hits),
        "total_hits": len(hits),
        "patents": [_pat_brief(p) for p in hits[:25]],
    }


def get_patent_details(w: dict[str, Any], a: dict[str, Any]) -> Any:
    pid = str(a["patent_id"])
    if not pid.isdigit() or len(pid) != 8:
        raise ApiError({"error": True, "reason": f"Invalid patent_id '{pid}': expected 8 digits"})
    p = _find(w["patents"], "patent_id", pid)
    if p is None:
        raise ApiError({"error": False, "count": 0, "total_hits": 0, "patents": []})
    return {"error": False, "count": 1, "total_hits": 1, "patents": [p]}


def get_assignee_patents(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["assignee"])
    hits = [p for p in w["patents"] if q in norm(p["assignee"])]
    if "year" in a:
        hits = [p for p in hits if p["date"].startswith(str(a["year"]))]
    if not hits:
        raise ApiError({"error": False, "count": 0, "total_hits": 0, "assignees": []})
    return {
        "error": False,
        "assignee_organization": hits[0]["assignee"],
        "total_hits": len(hits),
        "patents": [_pat_brief(p) for p in hits[:25]],
    }


def get_inventor_patents(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["inventor_name"])
    hits = [p for p in w["patents"] if any(q == norm(i) for i in p["inventors"])]
    return {
        "error": False,
        "inventor": a["inventor_name"],
        "total_hits": len(hits),
        "patents": [_pat_brief(p) for p in hits],
    }


# ----------------------------------------------------------------------------- spaceflight news


def _news_search(rows: list[dict[str, Any]], a: dict[str, Any]) -> Any:
    q = norm(a["search"])
    hits = [r for r in rows if q in norm(r["title"]) or q in norm(r["summary"])]
    if "news_site" in a:
        hits = [r for r in hits if norm(r["news_site"]) == norm(a["news_site"])]
    limit = a.get("limit", 10)
    if limit < 1 or limit > 100:
        raise ApiError({"limit": ["Ensure this value is between 1 and 100."]})
    brief = [
        {
            "id": r["id"],
            "title": r["title"],
            "news_site": r["news_site"],
            "published_at": r["published_at"],
        }
        for r in hits[:limit]
    ]
    return {"count": len(hits), "next": None, "previous": None, "results": brief}


def search_articles(w: dict[str, Any], a: dict[str, Any]) -> Any:
    return _news_search(w["articles"], a)


def search_blogs(w: dict[str, Any], a: dict[str, Any]) -> Any:
    return _news_search(w["blogs"], a)


def search_reports(w: dict[str, Any], a: dict[str, Any]) -> Any:
    return _news_search(w["reports"], a)


def get_article(w: dict[str, Any], a: dict[str, Any]) -> Any:
    r = _find(w["articles"] + w["blogs"] + w["reports"], "id", a["article_id"])
    if r is None:
        raise ApiError({"detail": "No Article matches the given query."})
    return r


def get_launch(w: dict[str, Any], a: dict[str, Any]) -> Any:
    r = _find(w["launches"], "launch_id", a["launch_id"])
    if r is None:
        raise ApiError({"detail": "Not found."})
    return r


# ----------------------------------------------------------------------------- sports

LEAGUES = ["Premier Division", "Championship North"]


def _season(a: dict[str, Any]) -> None:
    if a["season"] != 2023:
        raise ApiError(
            {
                "errors": {
                    "season": f"No data available for season {a['season']}. Available seasons: 2023"
                },
                "results": 0,
            }
        )


def get_league_standings(w: dict[str, Any], a: dict[str, Any]) -> Any:
    _season(a)
    if a["league"] not in LEAGUES:
        raise ApiError(
            {"errors": {"league": f"The league '{a['league']}' does not exist."}, "results": 0}
        )
    return {"league": a["league"], "season": 2023, "standings": w["standings"][a["league"]]}


def search_team(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["name"])
    hits = [t for t in w["teams"] if q in norm(t["name"])]
    return {"results": len(hits), "response": hits}


def get_team_players(w: dict[str, Any], a: dict[str, Any]) -> Any:
    if _find(w["teams"], "team_id", a["team_id"]) is None:
        raise ApiError(
            {"errors": {"team": "The team field must contain an existing team id."}, "results": 0}
        )
    ps = [
        {"player_id": p["player_id"], "name": p["name"], "position": p["position"]}
        for p in w["players"]
        if p["team_id"] == a["team_id"]
    ]
    return {"results": len(ps), "response": ps}


def get_player_stats(w: dict[str, Any], a: dict[str, Any]) -> Any:
    _season(a)
    p = _find(w["players"], "player_id", a["player_id"])
    if p is None:
        raise ApiError(
            {"errors": {"id": "The id field must contain an existing player id."}, "results": 0}
        )
    return {"results": 1, "response": [p]}


# ----------------------------------------------------------------------------- social


def get_user_profile(w: dict[str, Any], a: dict[str, Any]) -> Any:
    u = _find(w["users"], "username", str(a["username"]).lstrip("@").lower())
    if u is None:
        raise ApiError({"status": "error", "message": f"User @{a['username']} not found"})
    return {"status": "ok", "user": u}


def get_user_posts(w: dict[str, Any], a: dict[str, Any]) -> Any:
    name = str(a["username"]).lstrip("@").lower()
    if _find(w["users"], "username", name) is None:
        raise ApiError({"status": "error", "message": f"User @{a['username']} not found"})
    posts = [p for p in w["posts"] if p["username"] == name]
    posts.sort(key=lambda p: p["created_at"], reverse=True)
    return {"status": "ok", "posts": posts[: a.get("limit", 20)]}


def search_hashtag(w: dict[str, Any], a: dict[str, Any]) -> Any:
    tag = str(a["hashtag"]).lstrip("#").lower()
    posts = [p for p in w["posts"] if tag in p["hashtags"]]
    return {
        "status": "ok",
        "hashtag": tag,
        "total": len(posts),
        "posts": [
            {"post_id": p["post_id"], "username": p["username"], "likes": p["likes"]} for p in posts
        ],
    }


def get_post(w: dict[str, Any], a: dict[str, Any]) -> Any:
    p = _find(w["posts"], "post_id", str(a["post_id"]))
    if p is None:
        raise ApiError({"status": "error", "message": "Post not found or has been deleted"})
    return {"status": "ok", "post": p}


# ----------------------------------------------------------------------------- media (music)


def search_artist(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["name"])
    return {"artists": {"items": [x for x in w["artists"] if q in norm(x["name"])]}}


def get_artist_top_tracks(w: dict[str, Any], a: dict[str, Any]) -> Any:
    if _find(w["artists"], "artist_id", a["artist_id"]) is None:
        raise ApiError({"error": {"status": 400, "message": "invalid id"}})
    ts = sorted(
        (t for t in w["tracks"] if t["artist_id"] == a["artist_id"]), key=lambda t: -t["plays"]
    )
    return {"tracks": ts[: a.get("limit", 10)]}


def search_track(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["title"])
    return {"tracks": {"items": [t for t in w["tracks"] if q in norm(t["title"])]}}


def get_album(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["album"])
    ts = [t for t in w["tracks"] if norm(t["album"]) == q]
    if not ts:
        raise ApiError({"error": {"status": 404, "message": "Non existing album"}})
    return {
        "album": ts[0]["album"],
        "artist_id": ts[0]["artist_id"],
        "total_tracks": len(ts),
        "tracks": [
            {"track_id": t["track_id"], "title": t["title"], "duration_ms": t["duration_ms"]}
            for t in ts
        ],
    }


# ----------------------------------------------------------------------------- data


def get_country(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["name"])
    c = next((c for c in w["countries"] if norm(c["name"]) == q or norm(c["code"]) == q), None)
    if c is None:
        raise ApiError({"status": 404, "message": "Not Found"})
    return [c]


def get_exchange_rate(w: dict[str, Any], a: dict[str, Any]) -> Any:
    base, target = str(a["base"]).upper(), str(a["target"]).upper()
    rates = w["rates"]
    if base not in rates or target not in rates:
        bad = base if base not in rates else target
        raise ApiError(
            {
                "result": "error",
                "error-type": "unsupported-code",
                "detail": f"{bad} is not a supported currency code",
            }
        )
    return {
        "result": "success",
        "base_code": base,
        "target_code": target,
        "conversion_rate": round(rates[target] / rates[base], 4),
    }


def convert_currency(w: dict[str, Any], a: dict[str, Any]) -> Any:
    rate = get_exchange_rate(w, a)["conversion_rate"]
    return {
        "result": "success",
        "base_code": str(a["base"]).upper(),
        "target_code": str(a["target"]).upper(),
        "conversion_rate": rate,
        "conversion_result": round(float(a["amount"]) * rate, 2),
    }


def get_stock_quote(w: dict[str, Any], a: dict[str, Any]) -> Any:
    s = _find(w["stocks"], "symbol", str(a["symbol"]).upper())
    if s is None:
        raise ApiError(
            {
                "Error Message": "Invalid API call. Please retry or visit the "
                "documentation for the symbol list."
            }
        )
    return {"Global Quote": s}


# ----------------------------------------------------------------------------- tools

UNITS = {
    "meter": ("length", 1.0),
    "kilometer": ("length", 1000.0),
    "mile": ("length", 1609.344),
    "foot": ("length", 0.3048),
    "kilogram": ("mass", 1.0),
    "pound": ("mass", 0.45359237),
    "gram": ("mass", 0.001),
    "liter": ("volume", 1.0),
    "gallon": ("volume", 3.785411784),
}


def convert_units(w: dict[str, Any], a: dict[str, Any]) -> Any:
    f, t = a["from_unit"], a["to_unit"]
    for u in (f, t):
        if u not in UNITS:
            raise ApiError(
                {"success": False, "error": {"code": 402, "info": f"Unsupported unit '{u}'."}}
            )
    if UNITS[f][0] != UNITS[t][0]:
        raise ApiError(
            {
                "success": False,
                "error": {
                    "code": 403,
                    "info": f"Cannot convert {UNITS[f][0]} ({f}) to {UNITS[t][0]} ({t}).",
                },
            }
        )
    value = float(a["value"]) * UNITS[f][1] / UNITS[t][1]
    return {
        "success": True,
        "query": {"from": f, "to": t, "amount": a["value"]},
        "result": round(value, 3),
    }


def get_timezone(w: dict[str, Any], a: dict[str, Any]) -> Any:
    c = next((c for c in w["cities"] if norm(c["name"]) == norm(a["city"])), None)
    if c is None:
        raise ApiError({"status": "FAILED", "message": "Record not found."})
    return {
        "status": "OK",
        "zoneName": c["timezone"],
        "gmtOffset": c["utc_offset"] * 3600,
        "utc_offset": f"UTC{c['utc_offset']:+d}",
        "countryName": c["country"],
    }


def shorten_url(w: dict[str, Any], a: dict[str, Any]) -> Any:
    url = str(a["url"])
    if not url.startswith(("http://", "https://")):
        raise ApiError({"error": "Invalid URL: it must start with http:// or https://"})
    code = hashlib.sha256(url.encode()).hexdigest()[:7]
    return {"result_url": f"https://shrt.example/{code}", "original_url": url}


def validate_email(w: dict[str, Any], a: dict[str, Any]) -> Any:
    email = str(a["email"])
    user, at, domain = email.partition("@")
    ok_syntax = bool(user) and bool(at) and "." in domain
    disposable = domain.lower() in w["disposable_domains"]
    return {
        "email": email,
        "format_valid": ok_syntax,
        "disposable": disposable,
        "deliverable": ok_syntax and not disposable,
    }


# ----------------------------------------------------------------------------- video / images


def search_videos(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["query"])
    hits = [v for v in w["videos"] if q in norm(v["title"]) or q in v["tags"]]
    n = a.get("max_results", 5)
    return {
        "kind": "searchListResponse",
        "pageInfo": {"totalResults": len(hits)},
        "items": [
            {"video_id": v["video_id"], "title": v["title"], "channel": v["channel"]}
            for v in hits[:n]
        ],
    }


def get_video_details(w: dict[str, Any], a: dict[str, Any]) -> Any:
    v = _find(w["videos"], "video_id", str(a["video_id"]))
    if v is None:
        raise ApiError(
            {
                "error": {
                    "code": 404,
                    "message": "The video identified by the id parameter could not be found.",
                    "reason": "videoNotFound",
                }
            }
        )
    return {"items": [v]}


ORIENTATIONS = ["landscape", "portrait", "square"]


def search_images(w: dict[str, Any], a: dict[str, Any]) -> Any:
    q = norm(a["query"])
    hits = [i for i in w["images"] if q in i["tags"] or q in norm(i["description"])]
    if "orientation" in a:
        if a["orientation"] not in ORIENTATIONS:
            raise ApiError({"errors": [f"orientation must be one of {', '.join(ORIENTATIONS)}"]})
        hits = [i for i in hits if i["orientation"] == a["orientation"]]
    return {
        "total": len(hits),
        "results": [{"image_id": i["image_id"], "description": i["description"]} for i in hits],
    }


def get_image(w: dict[str, Any], a: dict[str, Any]) -> Any:
    i = _find(w["images"], "image_id", str(a["image_id"]))
    if i is None:
        raise ApiError({"errors": ["Couldn't find Photo"]})
    return i


# ----------------------------------------------------------------------------- travel


def search_flights(w: dict[str, Any], a: dict[str, Any]) -> Any:
    o, d = str(a["origin"]).upper(), str(a["destination"]).upper()
    codes = {c["iata"] for c in w["cities"]}
    for code in (o, d):
        if code not in codes:
            raise ApiError({"status": False, "message": f"Invalid IATA code '{code}'"})
    hits = [
        f
        for f in w["flights"]
        if f["origin"] == o and f["destination"] == d and f["date"] == a["date"]
    ]
    if "max_stops" in a:
        hits = [f for f in hits if f["stops"] <= a["max_stops"]]
    hits.sort(key=lambda f: f["price"])
    return {"status": True, "data": {"flights": hits}}


def search_hotels(w: dict[str, Any], a: dict[str, Any]) -> Any:
    hits = [h for h in w["hotels"] if norm(h["city"]) == norm(a["city"])]
    if not hits:
        raise ApiError({"status": False, "message": f"No destination found for '{a['city']}'"})
    if "max_price" in a:
        hits = [h for h in hits if h["price_per_night"] <= a["max_price"]]
    if "min_rating" in a:
        hits = [h for h in hits if h["rating"] >= a["min_rating"]]
    hits.sort(key=lambda h: (-h["rating"], h["price_per_night"]))
    return {"status": True, "data": {"hotels": hits}}


def get_airport(w: dict[str, Any], a: dict[str, Any]) -> Any:
    c = next((c for c in w["cities"] if norm(c["name"]) == norm(a["city"])), None)
    if c is None:
        raise ApiError({"status": False, "message": f"No airport found for '{a['city']}'"})
    return {
        "status": True,
        "data": [
            {"iata": c["iata"], "name": c["airport"], "city": c["name"], "country": c["country"]}
        ],
    }


# ----------------------------------------------------------------------------- the catalogue


def _t(
    name: str, desc: str, props: dict[str, dict[str, Any]], req: list[str], fn: Handler
) -> ToolDef:
    return ToolDef(name, desc, _schema(props, req), fn)


def _movie_tools(genres: list[str]) -> list[ToolDef]:
    return [
        _t(
            "search_movie",
            "Search movies by title (substring match). Returns ids, titles and release dates.",
            {
                "query": _p(S, "Text to look for in the title."),
                "year": _p(I, "Only movies released that year."),
            },
            ["query"],
            search_movie,
        ),
        _t(
            "get_movie_details",
            "Details of a movie: overview, runtime, budget, revenue, rating, genres.",
            {"movie_id": _p(I, "The movie's id.")},
            ["movie_id"],
            get_movie_details,
        ),
        _t(
            "get_movie_credits",
            "Cast (with characters) and crew (with jobs) of a movie.",
            {"movie_id": _p(I, "The movie's id.")},
            ["movie_id"],
            get_movie_credits,
        ),
        _t(
            "search_person",
            "Search people (actors, directors) by name.",
            {"query": _p(S, "Name or part of it.")},
            ["query"],
            search_person,
        ),
        _t(
            "get_person_details",
            "Biography of a person: birthday, place of birth, department.",
            {"person_id": _p(I, "The person's id.")},
            ["person_id"],
            get_person_details,
        ),
        _t(
            "get_person_movie_credits",
            "Movies a person acted in (cast) or worked on (crew).",
            {"person_id": _p(I, "The person's id.")},
            ["person_id"],
            get_person_movie_credits,
        ),
        _t(
            "discover_movies",
            "Discover movies by genre and year, sorted; the first 10 results.",
            {
                "with_genre": _p(S, "Genre name.", enum=genres),
                "primary_release_year": _p(I, "Release year."),
                "sort_by": _p(S, "Sort order (default popularity.desc).", enum=SORTS),
            },
            [],
            discover_movies,
        ),
    ]


_LATLON = {"latitude": _p(N, "Latitude in degrees."), "longitude": _p(N, "Longitude in degrees.")}
_TUNIT = {
    "temperature_unit": _p(S, "celsius (default) or fahrenheit.", enum=["celsius", "fahrenheit"])
}
WEATHER_TOOLS = [
    _t(
        "get_location",
        "Geocode a place name to latitude, longitude, country, timezone.",
        {"name": _p(S, "Place name."), "count": _p(I, "How many results (default 10).")},
        ["name"],
        get_location,
    ),
    _t(
        "get_current_weather",
        "Current temperature, wind speed and precipitation at a point.",
        {**_LATLON, **_TUNIT},
        ["latitude", "longitude"],
        get_current_weather,
    ),
    _t(
        "get_daily_forecast",
        "One daily weather variable for each day between two dates (2024 only, at most 31 days).",
        {
            **_LATLON,
            "start_date": _p(S, "First day, YYYY-MM-DD."),
            "end_date": _p(S, "Last day, YYYY-MM-DD."),
            "variable": _p(S, "The daily variable.", enum=WEATHER_VARS),
            **_TUNIT,
        },
        ["latitude", "longitude", "start_date", "end_date", "variable"],
        get_daily_forecast,
    ),
    _t(
        "get_elevation",
        "Elevation in metres of a point.",
        _LATLON,
        ["latitude", "longitude"],
        get_elevation,
    ),
]

PATENT_TOOLS = [
    _t(
        "search_patents",
        "Search granted patents by keyword in title or abstract.",
        {
            "keyword": _p(S, "Keyword."),
            "assignee": _p(S, "Assignee organization."),
            "year": _p(I, "Grant year."),
        },
        ["keyword"],
        search_patents,
    ),
    _t(
        "get_patent_details",
        "Full record of a patent: title, date, assignee, inventors, CPC "
        "section, number of claims, abstract.",
        {"patent_id": _p(S, "8-digit patent number.")},
        ["patent_id"],
        get_patent_details,
    ),
    _t(
        "get_assignee_patents",
        "Patents granted to an organization.",
        {"assignee": _p(S, "Organization name."), "year": _p(I, "Grant year.")},
        ["assignee"],
        get_assignee_patents,
    ),
    _t(
        "get_inventor_patents",
        "Patents naming an inventor.",
        {"inventor_name": _p(S, "Full name.")},
        ["inventor_name"],
        get_inventor_patents,
    ),
]

_NEWS = {
    "search": _p(S, "Text to look for in title or summary."),
    "news_site": _p(S, "Only this news site."),
    "limit": _p(I, "Page size, 1-100 (default 10)."),
}
SPACEFLIGHT_TOOLS = [
    _t("search_articles", "Search spaceflight news articles.", _NEWS, ["search"], search_articles),
    _t("search_blogs", "Search spaceflight blog posts.", _NEWS, ["search"], search_blogs),
    _t("search_reports", "Search agency and mission reports.", _NEWS, ["search"], search_reports),
    _t(
        "get_article",
        "One article, blog or report by id: summary, site, date, launches.",
        {"article_id": _p(I, "The id.")},
        ["article_id"],
        get_article,
    ),
    _t(
        "get_launch",
        "A launch by id: name, provider, date, status, pad.",
        {"launch_id": _p(S, "The launch id.")},
        ["launch_id"],
        get_launch,
    ),
]

SPORTS_TOOLS = [
    _t(
        "get_league_standings",
        "League table of a season.",
        {"league": _p(S, "League name.", enum=LEAGUES), "season": _p(I, "Season year.")},
        ["league", "season"],
        get_league_standings,
    ),
    _t("search_team", "Find teams by name.", {"name": _p(S, "Team name.")}, ["name"], search_team),
    _t(
        "get_team_players",
        "Squad of a team.",
        {"team_id": _p(I, "Team id.")},
        ["team_id"],
        get_team_players,
    ),
    _t(
        "get_player_stats",
        "A player's season statistics (goals, assists, appearances).",
        {"player_id": _p(I, "Player id."), "season": _p(I, "Season year.")},
        ["player_id", "season"],
        get_player_stats,
    ),
]

SOCIAL_TOOLS = [
    _t(
        "get_user_profile",
        "Profile of a user: followers, following, bio, verified.",
        {"username": _p(S, "Handle without @.")},
        ["username"],
        get_user_profile,
    ),
    _t(
        "get_user_posts",
        "A user's latest posts, newest first.",
        {"username": _p(S, "Handle without @."), "limit": _p(I, "How many (default 20).")},
        ["username"],
        get_user_posts,
    ),
    _t(
        "search_hashtag",
        "Posts carrying a hashtag.",
        {"hashtag": _p(S, "Hashtag without #.")},
        ["hashtag"],
        search_hashtag,
    ),
    _t(
        "get_post",
        "One post by id: text, likes, reposts, date.",
        {"post_id": _p(S, "Post id.")},
        ["post_id"],
        get_post,
    ),
]

MEDIA_TOOLS = [
    _t(
        "search_artist",
        "Find music artists by name.",
        {"name": _p(S, "Artist name.")},
        ["name"],
        search_artist,
    ),
    _t(
        "get_artist_top_tracks",
        "An artist's most played tracks.",
        {"artist_id": _p(S, "Artist id."), "limit": _p(I, "How many (default 10).")},
        ["artist_id"],
        get_artist_top_tracks,
    ),
    _t(
        "search_track",
        "Find tracks by title.",
        {"title": _p(S, "Track title.")},
        ["title"],
        search_track,
    ),
    _t("get_album", "Tracks of an album.", {"album": _p(S, "Album title.")}, ["album"], get_album),
]

DATA_TOOLS = [
    _t(
        "get_country",
        "Facts about a country: capital, population, currency, region, area.",
        {"name": _p(S, "Country name or ISO code.")},
        ["name"],
        get_country,
    ),
    _t(
        "get_exchange_rate",
        "Exchange rate between two currencies.",
        {"base": _p(S, "ISO currency code."), "target": _p(S, "ISO currency code.")},
        ["base", "target"],
        get_exchange_rate,
    ),
    _t(
        "convert_currency",
        "Convert an amount between currencies.",
        {
            "amount": _p(N, "Amount in the base currency."),
            "base": _p(S, "ISO currency code."),
            "target": _p(S, "ISO currency code."),
        },
        ["amount", "base", "target"],
        convert_currency,
    ),
    _t(
        "get_stock_quote",
        "Latest quote of a stock symbol.",
        {"symbol": _p(S, "Ticker.")},
        ["symbol"],
        get_stock_quote,
    ),
]

TOOLS_TOOLS = [
    _t(
        "convert_units",
        "Convert a value between units of length, mass or volume.",
        {
            "value": _p(N, "The value."),
            "from_unit": _p(S, "Unit.", enum=list(UNITS)),
            "to_unit": _p(S, "Unit.", enum=list(UNITS)),
        },
        ["value", "from_unit", "to_unit"],
        convert_units,
    ),
    _t(
        "get_timezone",
        "Time zone and UTC offset of a city.",
        {"city": _p(S, "City name.")},
        ["city"],
        get_timezone,
    ),
    _t("shorten_url", "Shorten a URL.", {"url": _p(S, "The long URL.")}, ["url"], shorten_url),
    _t(
        "validate_email",
        "Check an e-mail address: syntax, disposable domain, deliverable.",
        {"email": _p(S, "The address.")},
        ["email"],
        validate_email,
    ),
]

VIDEO_TOOLS = [
    _t(
        "search_videos",
        "Search videos by text.",
        {"query": _p(S, "Search text."), "max_results": _p(I, "How many (default 5).")},
        ["query"],
        search_videos,
    ),
    _t(
        "get_video_details",
        "Statistics of a video: views, likes, duration, channel, date.",
        {"video_id": _p(S, "Video id.")},
        ["video_id"],
        get_video_details,
    ),
    _t(
        "search_images",
        "Search stock photos.",
        {"query": _p(S, "Search text."), "orientation": _p(S, "Orientation.", enum=ORIENTATIONS)},
        ["query"],
        search_images,
    ),
    _t(
        "get_image",
        "A photo by id: size, photographer, likes.",
        {"image_id": _p(S, "Photo id.")},
        ["image_id"],
        get_image,
    ),
]

TRAVEL_TOOLS = [
    _t(
        "get_airport",
        "The airport (IATA code) of a city.",
        {"city": _p(S, "City name.")},
        ["city"],
        get_airport,
    ),
    _t(
        "search_flights",
        "One-way flights on a date, cheapest first.",
        {
            "origin": _p(S, "IATA code."),
            "destination": _p(S, "IATA code."),
            "date": _p(S, "YYYY-MM-DD."),
            "max_stops": _p(I, "Most stops allowed."),
        },
        ["origin", "destination", "date"],
        search_flights,
    ),
    _t(
        "search_hotels",
        "Hotels in a city, best rated first.",
        {
            "city": _p(S, "City name."),
            "max_price": _p(N, "Highest price per night (EUR)."),
            "min_rating": _p(N, "Lowest guest rating (0-10)."),
        },
        ["city"],
        search_hotels,
    ),
]


def domain_tools(world: dict[str, Any]) -> dict[str, list[ToolDef]]:
    """Domain name -> its tools. ``mixed`` is a trip planner over travel, weather and data."""
    genres = sorted(world["genres"].values())
    out = {
        "movie": _movie_tools(genres),
        "weather": WEATHER_TOOLS,
        "patent": PATENT_TOOLS,
        "spaceflight": SPACEFLIGHT_TOOLS,
        "sports": SPORTS_TOOLS,
        "social": SOCIAL_TOOLS,
        "media": MEDIA_TOOLS,
        "data": DATA_TOOLS,
        "tools": TOOLS_TOOLS,
        "video_images": VIDEO_TOOLS,
        "travel": TRAVEL_TOOLS,
    }
    out["mixed"] = TRAVEL_TOOLS + WEATHER_TOOLS + DATA_TOOLS[:3]
    return out
