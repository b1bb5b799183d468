"""Everyday shop words a catalogue may lack: English, and regional names for common goods.

A villager using the English menus types "sugar", a Javanese grandmother types "pitik"
(chicken); a manager lists "Gula Pasir" and "Telur Ayam" and rarely writes every other
name as an alias. The search reads these words as the catalogue words they stand for,
but only when the catalogue does not know the typed word itself.
"""

from __future__ import annotations

from typing import Final

ENGLISH: Final[dict[str, tuple[str, ...]]] = {
    "rice": ("beras",), "sugar": ("gula",), "salt": ("garam",), "oil": ("minyak",),
    "cooking": ("goreng",), "fried": ("goreng",), "egg": ("telur",), "eggs": ("telur",),
    "flour": ("tepung", "terigu"), "noodle": ("mie",), "noodles": ("mie",),
    "milk": ("susu",), "coffee": ("kopi",), "tea": ("teh",), "water": ("air",),
    "soap": ("sabun",), "detergent": ("deterjen",), "toothpaste": ("pasta", "gigi"),
    "toothbrush": ("sikat",), "shampoo": ("sampo",), "chili": ("cabai",),
    "chilli": ("cabai",), "onion": ("bawang",), "garlic": ("bawang",), "shallot": ("bawang",),
    "sweet": ("manis",), "soy": ("kecap",), "sauce": ("saus",), "sardine": ("sarden",),
    "sardines": ("sarden",), "bread": ("roti",), "biscuit": ("biskuit",),
    "biscuits": ("biskuit",), "crackers": ("kerupuk",), "chips": ("keripik",),
    "candy": ("permen",), "syrup": ("sirup",), "butter": ("mentega",),
    "margarine": ("margarin",), "battery": ("baterai",), "batteries": ("baterai",),
    "lamp": ("lampu",), "bulb": ("lampu",), "flashlight": ("senter",), "torch": ("senter",),
    "bucket": ("ember",), "broom": ("sapu",), "lighter": ("korek",), "matches": ("korek",),
    "bag": ("kantong",), "rope": ("tali",), "fertilizer": ("pupuk",),
    "fertiliser": ("pupuk",), "seed": ("benih",), "seeds": ("benih",), "corn": ("jagung",),
    "hoe": ("cangkul",), "sickle": ("arit",), "sack": ("karung",), "mosquito": ("nyamuk",),
    "medicine": ("obat",), "petrol": ("bensin",), "gasoline": ("bensin",),
    "cement": ("semen",), "nail": ("paku",), "nails": ("paku",), "diaper": ("popok",),
    "diapers": ("popok",), "peanut": ("kacang",), "peanuts": ("kacang",),
    "beans": ("kacang",), "tofu": ("tahu",), "tempeh": ("tempe",), "fish": ("ikan",),
    "salted": ("asin",), "chicken": ("ayam",), "duck": ("bebek",), "coconut": ("kelapa",),
    "shrimp": ("udang",), "plastic": ("plastik",), "bottle": ("botol",), "green": ("hijau",),
    "red": ("merah",), "white": ("putih",), "black": ("hitam",), "floor": ("lantai",),
    "cleaner": ("pembersih",), "dish": ("piring",), "wash": ("cuci",), "bath": ("mandi",),
    "clothes": ("pakaian",), "tooth": ("gigi",), "teeth": ("gigi",), "litre": ("liter",),
}  # fmt: skip

# Javanese, Sundanese and colloquial words for the commonest goods and measures.
REGIONAL: Final[dict[str, tuple[str, ...]]] = {
    "kilo": ("kg",), "kilogram": ("kg",), "gr": ("gram",), "ltr": ("liter",),
    "pitik": ("ayam",), "iwak": ("ikan",), "ijo": ("hijau",),
    "abang": ("merah",), "ireng": ("hitam",), "banyu": ("air",), "cai": ("air",),
    "beas": ("beras",), "wos": ("beras",), "endog": ("telur",), "endhog": ("telur",),
    "telor": ("telur",), "lenga": ("minyak",), "lengo": ("minyak",), "uyah": ("garam",),
    "gendis": ("gula",), "lombok": ("cabai",), "cabe": ("cabai",),
    "rabuk": ("pupuk",), "winih": ("benih",), "bibit": ("benih",), "klapa": ("kelapa",),
    "krupuk": ("kerupuk",), "kripik": ("keripik",), "sirop": ("sirup",),
}  # fmt: skip

SHOP_WORDS: Final[dict[str, tuple[str, ...]]] = {**REGIONAL, **ENGLISH}
