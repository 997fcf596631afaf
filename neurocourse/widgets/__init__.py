"""Interactive ipywidgets explorers, one module per chapter, thin wrappers over the science."""
