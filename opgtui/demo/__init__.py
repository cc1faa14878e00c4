"""The bundled demo data set (real formats) behind `opgtui demo`."""
