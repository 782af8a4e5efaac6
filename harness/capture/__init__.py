"""The capture stage: the packet capture of the sandbox namespace, turned into records."""
