"""Domain names, their environment names and classes (imported by the hooks: nothing heavy)."""

from __future__ import annotations

DOMAINS = {
    "movie": "Movies (TMDB-like): search, details, credits, people, discover.",
    "weather": "Weather (Open-Meteo-like): geocoding, current weather, daily forecast, elevation.",
    "patent": "Patents (PatentsView-like): search, details, assignees, inventors.",
    "spaceflight": "Spaceflight News (SNAPI-like): articles, blogs, reports, launches.",
    "sports": "Sports (RapidAPI-like): standings, teams, squads, player stats.",
    "social": "Social network (RapidAPI-like): profiles, posts, hashtags.",
    "media": "Music (RapidAPI-like): artists, top tracks, tracks, albums.",
    "data": "Data (RapidAPI-like): countries, exchange rates, stock quotes.",
    "tools": "Utilities (RapidAPI-like): unit conversion, time zones, URL shortener, e-mail check.",
    "video_images": "Video and images (RapidAPI-like): video search and stats, stock photos.",
    "travel": "Travel (RapidAPI-like): airports, flights, hotels.",
    "mixed": "Trip planner: travel, weather and data tools together.",
}


def env_name(domain: str) -> str:
    return f"spectool-{domain.replace('_', '-')}"


CLASSES = {
    "movie": "MovieEnvironment",
    "weather": "WeatherEnvironment",
    "patent": "PatentEnvironment",
    "spaceflight": "SpaceflightEnvironment",
    "sports": "SportsEnvironment",
    "social": "SocialEnvironment",
    "media": "MediaEnvironment",
    "data": "DataEnvironment",
    "tools": "ToolsEnvironment",
    "video_images": "VideoImagesEnvironment",
    "travel": "TravelEnvironment",
    "mixed": "MixedEnvironment",
}
