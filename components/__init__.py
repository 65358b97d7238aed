"""Settings, the site model and the ComponentResources of protected-cdn."""
