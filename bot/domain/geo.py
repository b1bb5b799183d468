"""Great-circle distances between shared Telegram locations, in metres."""

from __future__ import annotations

import math
from typing import Final

# IUGG mean Earth radius: haversine's error against the WGS84 ellipsoid stays within ~0.5%.
EARTH_MEAN_RADIUS_M: Final = 6_371_008.8


def valid_coordinates(lat: float, lon: float) -> bool:
    """True if (lat, lon) is a real point: finite, |lat| <= 90 and |lon| <= 180."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres between two points given in decimal degrees."""
    _require_valid(lat1, lon1)
    _require_valid(lat2, lon2)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def within_radius(lat1: float, lon1: float, lat2: float, lon2: float, radius_m: float) -> bool:
    """True if the two points are at most `radius_m` metres apart."""
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError("radius must be a finite, non-negative number of metres")
    return distance_m(lat1, lon1, lat2, lon2) <= radius_m


def _require_valid(lat: float, lon: float) -> None:
    """Raise ValueError for coordinates that cannot be a point on Earth."""
    if not valid_coordinates(lat, lon):
        raise ValueError(f"invalid coordinates: ({lat}, {lon})")
