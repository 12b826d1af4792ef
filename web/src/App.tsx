import { MantineProvider, createTheme } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Loading } from "./components/common";
import { Layout } from "./components/Layout";
import { AppsPage } from "./pages/Apps";
import { ClustersPage } from "./pages/Clusters";
import { FlinkEnvsPage } from "./pages/FlinkEnvs";
import { LoginPage } from "./pages/Login";
import { NotFoundPage } from "./pages/NotFound";
import { TeamsPage } from "./pages/Teams";
import { TokensPage } from "./pages/Tokens";
import { UsersPage } from "./pages/Users";
import { SessionProvider, useSession } from "./session";

// The editor pages bring CodeMirror: loaded when first opened, so the first load stays small.
const AppEditPage = lazy(() => import("./pages/AppEdit").then((m) => ({ default: m.AppEditPage })));
const AppDetailPage = lazy(() => import("./pages/AppDetail").then((m) => ({ default: m.AppDetailPage })));
const ResourcesPage = lazy(() => import("./pages/Resources").then((m) => ({ default: m.ResourcesPage })));
const VariablesPage = lazy(() => import("./pages/Variables").then((m) => ({ default: m.VariablesPage })));
const AlertChannelsPage = lazy(() => import("./pages/AlertChannels").then((m) => ({ default: m.AlertChannelsPage })));
const ProjectsPage = lazy(() => import("./pages/Projects").then((m) => ({ default: m.ProjectsPage })));
const ProjectDetailPage = lazy(() => import("./pages/Projects").then((m) => ({ default: m.ProjectDetailPage })));
const AlertsPage = lazy(() => import("./pages/Alerts").then((m) => ({ default: m.AlertsPage })));
const AppVersionsPage = lazy(() => import("./pages/AppVersions").then((m) => ({ default: m.AppVersionsPage })));

// Without animations for people who ask their system for less motion (and for the tests).
const theme = createTheme({ primaryColor: "blue", defaultRadius: "sm", respectReducedMotion: true });

function Guarded() {
  const { me, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading what="Opening the console" />;
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <Layout />;
}

function Routed() {
  const location = useLocation();
  return (
    <ErrorBoundary resetKey={location.pathname}>
      <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route element={<Guarded />}>
          <Route index element={<Navigate to="/apps" replace />} />
          <Route path="/apps" element={<AppsPage />} />
          <Route path="/apps/new" element={<AppEditPage />} />
          <Route path="/apps/:id" element={<AppDetailPage />} />
          <Route path="/apps/:id/edit" element={<AppEditPage />} />
          <Route path="/apps/:id/versions" element={<AppVersionsPage />} />
          <Route path="/flink-envs" element={<FlinkEnvsPage />} />
          <Route path="/clusters" element={<ClustersPage />} />
          <Route path="/resources" element={<ResourcesPage />} />
          <Route path="/variables" element={<VariablesPage />} />
          <Route path="/alert-channels" element={<AlertChannelsPage />} />
          <Route path="/alerts" element={<AlertsPage />} />
          <Route path="/projects" element={<ProjectsPage />} />
          <Route path="/projects/:id" element={<ProjectDetailPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="/admin/users" element={<UsersPage />} />
          <Route path="/admin/teams" element={<TeamsPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
      </Suspense>
    </ErrorBoundary>
  );
}

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="bottom-right" limit={4} />
      <BrowserRouter>
        <SessionProvider>
          <Routed />
        </SessionProvider>
      </BrowserRouter>
    </MantineProvider>
  );
}
