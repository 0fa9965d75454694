"""The notifier's outbound clients: the SMTP mailer."""
