import { t } from '../i18n';
import { Link } from '../router';

export function NotFoundPage() {
  return (
    <main className="page">
      <h1>{t.notFound.title}</h1>
      <p>
        <Link to="/patients">{t.notFound.back}</Link>
      </p>
    </main>
  );
}
