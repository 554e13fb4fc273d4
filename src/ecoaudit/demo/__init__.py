"""The bundled demo site (site/) and the local server that `ecoaudit demo` measures it through."""
