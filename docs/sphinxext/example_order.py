"""Order of the gallery examples: a sphinx-gallery ``within_subsection_order`` key."""

ORDER = (
    "plot_quickstart.py",
    "plot_sensor_graphs.py",
    "plot_missing_sensors.py",
    "plot_grid_search.py",
)


class ExampleOrder:
    """Sort the listed examples first, in ``ORDER``; any other example after them by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = str(filename).rsplit("/", 1)[-1]
        return (ORDER.index(name) if name in ORDER else len(ORDER), name)

    def __repr__(self):
        return f"<{type(self).__name__}>"
