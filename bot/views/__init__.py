"""What users see: texts, callback data, cards, menus, the poster, the chart, the export."""
