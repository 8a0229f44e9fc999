"""Views, one module per area: dashboard, browse (list, detail, instrument), evidence, ..."""
