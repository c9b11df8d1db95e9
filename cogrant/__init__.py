"""cogrant: grant workflow engine for funders of pilot co-production projects."""
