"""The DDS coverage map: colour classes, pydeck layers for the page, and an SVG drawing for print."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from typing import NamedTuple

import pandas as pd
import pydeck as pdk
import streamlit as st

from components.i18n import fmt_date, fmt_int, fmt_pct, t
from components.tables import percent_column, table_with_download

# Colour-blind-safe sequential classes (ColorBrewer YlGnBu) above a warm "no visit" class.
# (upper bound, exclusive; RGB); coverage >= the last bound falls in the last class.
COVERAGE_CLASSES = (
    (0.0, (244, 165, 130)),  # exactly 0 %: no household visited
    (0.02, (255, 255, 204)),
    (0.05, (161, 218, 180)),
    (0.10, (65, 182, 196)),
    (0.25, (44, 127, 184)),
    (math.inf, (37, 52, 148)),
)
UNKNOWN_COLOUR = (189, 189, 189)  # no household count: its own class, never 0 %
BLIND_SPOT_LINE = (178, 24, 43)
BORDER_LINE = (90, 90, 90)
DENSITY_COLOUR = (217, 95, 2)


class LegendEntry(NamedTuple):
    """One line of a map legend: what a colour means, and how it is drawn (a fill, an outline or a dot)."""

    label: str
    colour: tuple[int, int, int]
    shape: str = "fill"  # "fill", "outline", "dot", or "note" (words only)


def coverage_class(coverage: float) -> int | None:
    """Index into COVERAGE_CLASSES, or None when coverage is unknown."""
    if coverage is None or pd.isna(coverage):
        return None
    if coverage == 0:
        return 0
    return next(index for index, (bound, _) in enumerate(COVERAGE_CLASSES) if index > 0 and coverage < bound)


def class_label(index: int | None) -> str:
    """"0 %", "< 2 %", "2–5 %", …, "≥ 25 %" or "unknown"."""
    if index is None:
        return t("map.unknown")
    if index == 0:
        return t("map.no_visit")
    low = COVERAGE_CLASSES[index - 1][0]
    high = COVERAGE_CLASSES[index][0]
    if index == 1:
        return f"< {fmt_pct(high, 0)}"
    if math.isinf(high):
        return f"≥ {fmt_pct(low, 0)}"
    return f"{fmt_pct(low, 0, sign=False)}–{fmt_pct(high, 0)}"


def legend_entries(frame: pd.DataFrame, blind_spot_days: int | None = None,
                   density: bool = False) -> list[LegendEntry]:
    """Every coverage class, "unknown" when a village lacks a household count, blind spots and density if drawn."""
    entries = [LegendEntry(class_label(index), colour) for index, (_, colour) in enumerate(COVERAGE_CLASSES)]
    if frame["coverage"].isna().any():
        entries.append(LegendEntry(class_label(None), UNKNOWN_COLOUR))
    if blind_spot_days is not None and frame["blind_spot"].any():
        label = t("map.blind_spot", blind_spot_days=fmt_int(blind_spot_days))
        entries.append(LegendEntry(label, BLIND_SPOT_LINE, "outline"))
    if density:
        entries.append(LegendEntry(t("map.density_legend"), DENSITY_COLOUR, "dot"))
    return entries


def legend_html(entries: list[LegendEntry]) -> str:
    """A small static legend: a swatch, an outline or a dot per entry (labels escaped; colours are our own)."""
    swatch = {"fill": "background:rgb{};border:1px solid #777", "outline": "border:3px solid rgb{}",
              "dot": "background:rgb{};border-radius:50%", "note": "width:0"}
    items = [f'<span style="display:inline-block;width:14px;height:14px;{swatch[entry.shape].format(entry.colour)};'
             f'margin:0 4px -2px 10px"></span>{html.escape(entry.label)}' for entry in entries]
    return "<div style='font-size:0.85rem;line-height:1.9'>" + "".join(items) + "</div>"


def show_map(deck: pdk.Deck, legend: list[LegendEntry], alt: str, height: int, **options):
    """Draw a map with its legend right beneath it: no map without one."""
    event = st.pydeck_chart(deck, height=height, alt=alt, **options)
    st.markdown(legend_html(legend), unsafe_allow_html=True)
    return event


def polygon_records(frame: pd.DataFrame) -> list[dict]:
    """One record per polygon part, with its colour and a plain-text tooltip (never HTML)."""
    records = []
    for row in frame.itertuples(index=False):
        index = coverage_class(row.coverage)
        fill = UNKNOWN_COLOUR if index is None else COVERAGE_CLASSES[index][1]
        properties = {
            "village_code": row.village_code,
            "village": row.name,
            "polsek": row.polsek or "",
            "officers": row.officers if isinstance(row.officers, str) else t("map.no_officer"),
            "households": t("map.unknown") if pd.isna(row.households) else fmt_int(row.households),
            "visited": fmt_int(row.households_visited),
            "coverage": t("map.unknown") if pd.isna(row.coverage) else fmt_pct(row.coverage),
            "last_visit": fmt_date(row.last_dds_date) if row.last_dds_date else t("map.never"),
            "fill": [*fill, 200 if index is not None else 140],
            "blind_spot": bool(row.blind_spot),
        }
        for rings in row.shapes:
            records.append({"polygon": rings, **properties})
    return records


def density_records(frame: pd.DataFrame) -> list[dict]:
    """One point per village (never raw visits), sized by its DDS visits."""
    points = frame[(frame["dds_visits"] > 0) & frame["lat"].notna()]
    return [{"village_code": row.village_code, "village": row.name, "polsek": row.polsek or "",
             "visits": fmt_int(row.dds_visits), "position": [row.lng, row.lat],
             "radius": 60 * math.sqrt(row.dds_visits)} for row in points.itertuples(index=False)]


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by two spaces, which triples a map's payload."""

    def to_json(self) -> str:
        return json.dumps(json.loads(super().to_json()), separators=(",", ":"), ensure_ascii=False)


def bounds_of(polygons: Iterable, points: Iterable = ()) -> tuple[float, float, float, float] | None:
    """(min_lng, min_lat, max_lng, max_lat) of the polygons (lists of rings of [lng, lat]) and points drawn."""
    coordinates = [point for rings in polygons for ring in rings for point in ring] + list(points)
    if not coordinates:
        return None
    lngs, lats = [lng for lng, _ in coordinates], [lat for _, lat in coordinates]
    return min(lngs), min(lats), max(lngs), max(lats)


def view_for(bounds, width: int = 700, height: int = 500) -> pdk.ViewState:
    """A view that fits the bounds in a map of about width × height pixels (all of Indonesia without bounds)."""
    if bounds is None:
        return pdk.ViewState(longitude=118.0, latitude=-2.5, zoom=3.0)
    min_lng, min_lat, max_lng, max_lat = bounds
    # deck.gl draws the world 512 px wide at zoom 0; near the equator a degree of latitude is as long as one of
    # longitude, so both spans can be compared directly.
    zoom_x = math.log2(width * 360 / (512 * max(max_lng - min_lng, 0.002)))
    zoom_y = math.log2(height * 360 / (512 * max(max_lat - min_lat, 0.002)))
    zoom = max(3.0, min(15.0, min(zoom_x, zoom_y) - 0.2))
    return pdk.ViewState(longitude=(min_lng + max_lng) / 2, latitude=(min_lat + max_lat) / 2, zoom=zoom)


def coverage_deck(frame: pd.DataFrame, bounds, density: bool, basemap: bool,
                  size: tuple[int, int] = (700, 560)) -> pdk.Deck:
    """Village polygons coloured by coverage (blind spots outlined), or DDS density points."""
    # Line widths are given as minimum pixels: pydeck would read a units string such as "pixels" as a column.
    records = polygon_records(frame)
    villages = pdk.Layer("PolygonLayer", id="villages", data=records, get_polygon="polygon", get_fill_color="fill",
                         get_line_color=[*BORDER_LINE, 160], get_line_width=0, line_width_min_pixels=1,
                         stroked=True, filled=True, pickable=not density, opacity=0.35 if density else 1.0)
    blind = pdk.Layer("PolygonLayer", id="blind_spots", data=[r for r in records if r["blind_spot"]],
                      get_polygon="polygon", get_line_color=[*BLIND_SPOT_LINE, 255], get_line_width=0,
                      line_width_min_pixels=3, stroked=True, filled=False, pickable=False)
    layers = [villages, blind]
    tooltip = {"text": t("map.tooltip")}
    if density:
        tooltip = {"text": t("map.density_tooltip")}
        layers.append(pdk.Layer("ScatterplotLayer", id="density", data=density_records(frame), get_position="position",
                                get_radius="radius", get_fill_color=[*DENSITY_COLOUR, 170], pickable=True))
    return CompactDeck(layers=layers, initial_view_state=view_for(bounds, *size), tooltip=tooltip,
                    map_provider="carto" if basemap else None, map_style="light" if basemap else None)


def coverage_svg(frame: pd.DataFrame, bounds, width: int = 680) -> str:
    """The coverage map as a self-contained SVG (for the printable briefing pack)."""
    min_lng, min_lat, max_lng, max_lat = bounds
    scale_x = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lng - min_lng) * scale_x, 1e-6)
    span_y = max(max_lat - min_lat, 1e-6)
    factor = width / span_x
    height = int(span_y * factor) + 1

    def path(rings) -> str:
        return " ".join("M" + " L".join(f"{(x - min_lng) * scale_x * factor:.1f},{(max_lat - y) * factor:.1f}"
                                         for x, y in ring) + " Z" for ring in rings)

    shapes = []
    outlines = []
    for row in frame.itertuples(index=False):
        index = coverage_class(row.coverage)
        fill = UNKNOWN_COLOUR if index is None else COVERAGE_CLASSES[index][1]
        title = html.escape(f"{row.name}: " + (t("map.unknown") if pd.isna(row.coverage) else fmt_pct(row.coverage)))
        for rings in row.shapes:
            shapes.append(f'<path d="{path(rings)}" fill="rgb{fill}" stroke="#5a5a5a" stroke-width="0.4" '
                          f'fill-rule="evenodd"><title>{title}</title></path>')
            if row.blind_spot:
                outlines.append(f'<path d="{path(rings)}" fill="none" stroke="rgb{BLIND_SPOT_LINE}" '
                                f'stroke-width="1.8"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{html.escape(t("map.title"))}">' + "".join(shapes + outlines) + "</svg>")


def village_table(villages: pd.DataFrame, file_name: str, key: str) -> None:
    """The villages of a coverage map as a table, blind spots and lowest coverage first (the map in words)."""
    worst = villages.assign(coverage_pct=villages["coverage"] * 100, known=villages["coverage"].notna())
    worst = worst.sort_values(["blind_spot", "known", "coverage", "village_code"], ascending=[False, False, True, True])
    table_with_download(
        worst, {column: t(f"map.col.{column}") for column in
                ("name", "polsek", "officers", "households", "households_visited", "coverage_pct", "dds_visits",
                 "last_dds_date", "blind_spot")},
        file_name=file_name, key=key, column_config={"coverage_pct": percent_column(t("map.col.coverage_pct"))})
