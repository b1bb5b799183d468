"""Haversine distances against known distances on Java."""

import math

import pytest

from bot.domain.geo import EARTH_MEAN_RADIUS_M, distance_m, valid_coordinates, within_radius

MONAS_JAKARTA = (-6.175392, 106.827153)
GEDUNG_SATE_BANDUNG = (-6.902477, 107.618782)
TUGU_YOGYAKARTA = (-7.782889, 110.367083)
TUGU_PAHLAWAN_SURABAYA = (-7.245833, 112.737778)
BOROBUDUR = (-7.607874, 110.203751)
PRAMBANAN = (-7.752020, 110.491474)


# Reference distances are geodesics on the WGS84 ellipsoid (Vincenty's formula).
@pytest.mark.parametrize(
    ("start", "end", "geodesic_m"),
    [
        (MONAS_JAKARTA, GEDUNG_SATE_BANDUNG, 118_874),
        (MONAS_JAKARTA, TUGU_YOGYAKARTA, 429_652),
        (MONAS_JAKARTA, TUGU_PAHLAWAN_SURABAYA, 664_112),
        (BOROBUDUR, PRAMBANAN, 35_522),
        (TUGU_YOGYAKARTA, BOROBUDUR, 26_445),
    ],
)
def test_distance_matches_known_distances_within_half_a_percent(
    start: tuple[float, float], end: tuple[float, float], geodesic_m: int
) -> None:
    assert distance_m(*start, *end) == pytest.approx(geodesic_m, rel=0.005)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert distance_m(*BOROBUDUR, *PRAMBANAN) == pytest.approx(distance_m(*PRAMBANAN, *BOROBUDUR))
    assert distance_m(*BOROBUDUR, *BOROBUDUR) == 0.0


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m(0.0, 110.0, 1.0, 110.0) == pytest.approx(111_195, abs=1)


def test_short_village_distance() -> None:
    # 0.001 degree of latitude is about 111 m: the scale of a delivery radius check.
    assert distance_m(-7.6, 110.2, -7.601, 110.2) == pytest.approx(111.2, abs=0.1)


def test_antipodal_points_are_half_the_circumference_apart() -> None:
    assert distance_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_MEAN_RADIUS_M)


def test_across_the_antimeridian() -> None:
    assert distance_m(0.0, 179.5, 0.0, -179.5) == pytest.approx(111_195, abs=1)


@pytest.mark.parametrize(
    ("lat", "lon", "valid"),
    [
        (-7.6, 110.2, True),
        (90.0, 180.0, True),
        (-90.0, -180.0, True),
        (90.0001, 0.0, False),
        (0.0, -180.5, False),
        (math.nan, 0.0, False),
        (0.0, math.inf, False),
    ],
)
def test_valid_coordinates(lat: float, lon: float, valid: bool) -> None:
    assert valid_coordinates(lat, lon) is valid


def test_distance_refuses_invalid_coordinates() -> None:
    with pytest.raises(ValueError, match="invalid coordinates"):
        distance_m(91.0, 0.0, 0.0, 0.0)


def test_within_radius() -> None:
    assert within_radius(*BOROBUDUR, *PRAMBANAN, radius_m=40_000)
    assert not within_radius(*BOROBUDUR, *PRAMBANAN, radius_m=30_000)
    assert within_radius(*BOROBUDUR, *BOROBUDUR, radius_m=0)


@pytest.mark.parametrize("radius", [-1.0, math.nan, math.inf])
def test_within_radius_refuses_bad_radius(radius: float) -> None:
    with pytest.raises(ValueError, match="radius"):
        within_radius(*BOROBUDUR, *PRAMBANAN, radius_m=radius)
